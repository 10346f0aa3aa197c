import { describe, expect, it } from 'vitest';
import { substituteEnv } from '../../../spec/env.js';
import { batchId } from './batch-id.js';
import { canonicalJson, contentHash } from './canonical.js';
import { backoffMs, isRetriedStatus, parseRetryAfter, retryDelayMs } from './retry-policy.js';

describe('canonical JSON', () => {
  it('sorts keys at every depth and writes no whitespace; arrays keep their sequence', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: 'x y' } })).toBe('{"a":{"c":"x y","d":[3,{"y":2,"z":1}]},"b":1}');
    expect(canonicalJson([2, 1])).not.toBe(canonicalJson([1, 2]));
    expect(canonicalJson({ a: undefined, b: null })).toBe('{"b":null}');
    expect(canonicalJson('é"\n')).toBe(JSON.stringify('é"\n'));
  });

  it('hashes payloads that differ only in key sequence and spacing the same (SHA-256 hex)', () => {
    const a = JSON.parse('[{"id":"C1","name":"Jane","tier":"gold"}]') as unknown;
    const b = JSON.parse('[ { "tier" : "gold", "name":"Jane", "id":"C1" } ]') as unknown;
    expect(contentHash(a)).toBe(contentHash(b));
    expect(contentHash(a)).toMatch(/^[0-9a-f]{64}$/);
    expect(contentHash(a)).not.toBe(contentHash([{ id: 'C1', name: 'Jane', tier: 'silver' }]));
  });
});

describe('batch ids', () => {
  it('are EVT-yyyyMMddHHmmss-xxxxxx in UTC, the same for the same batch and time, different for another first record', () => {
    const at = new Date(Date.UTC(2026, 1, 8, 10, 30, 45, 120));
    const id = batchId(at, 'api', 't|0|5|0');
    expect(id).toMatch(/^EVT-20260208103045-[0-9a-f]{6}$/);
    expect(batchId(at, 'api', 't|0|5|0')).toBe(id);
    expect(batchId(at, 'api', 't|0|6|0')).not.toBe(id);
    expect(batchId(new Date(at.getTime() + 1), 'api', 't|0|5|0')).not.toBe(id);
  });
});

describe('retry schedule', () => {
  const policy = { retries: 3, baseMs: 1000, multiplier: 2, maxDelayMs: 5000, statuses: ['408', '429', '5xx'] };

  it('retries 408, 429 and 5xx by default, not other 4xx', () => {
    for (const s of [408, 429, 500, 502, 503, 599]) expect(isRetriedStatus(s, policy.statuses)).toBe(true);
    for (const s of [400, 401, 403, 404, 409, 422, 301]) expect(isRetriedStatus(s, policy.statuses)).toBe(false);
    expect(isRetriedStatus(404, ['404'])).toBe(true);
  });

  it('backs off base · multiplier^n with equal jitter, capped at max_delay', () => {
    expect([0, 1, 2].map((n) => backoffMs(n, policy, () => 1))).toEqual([1000, 2000, 4000]);
    expect([0, 1, 2].map((n) => backoffMs(n, policy, () => 0))).toEqual([500, 1000, 2000]);
    expect(backoffMs(10, policy, () => 1)).toBe(5000);
    for (let i = 0; i < 100; i++) {
      const d = backoffMs(1, policy);
      expect(d).toBeGreaterThanOrEqual(1000);
      expect(d).toBeLessThanOrEqual(2000);
    }
  });

  it('honours Retry-After (seconds or an HTTP date) when it asks for longer', () => {
    const now = Date.UTC(2026, 0, 1);
    expect(parseRetryAfter('3', now)).toBe(3000);
    expect(parseRetryAfter(new Date(now + 7000).toUTCString(), now)).toBe(7000);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(null, now)).toBeUndefined();
    expect(parseRetryAfter('999999', now)).toBe(600_000);
    expect(retryDelayMs(0, policy, 3000, () => 1)).toBe(3000);
    expect(retryDelayMs(2, policy, 100, () => 1)).toBe(4000);
  });
});

describe('environment references', () => {
  it('resolves ${NAME} and ${NAME:-default}, and names what is missing', () => {
    const env = { A: 'x', EMPTY: '' };
    expect(substituteEnv('${A}/p', env)).toEqual({ ok: true, value: 'x/p' });
    expect(substituteEnv('${B:-http://h:1}/p', env)).toEqual({ ok: true, value: 'http://h:1/p' });
    expect(substituteEnv('${EMPTY:-d}', env)).toEqual({ ok: true, value: 'd' });
    expect(substituteEnv('${B:-}', env)).toEqual({ ok: true, value: '' });
    expect(substituteEnv('${B}-${C}', env)).toEqual({ ok: false, missing: ['B', 'C'] });
    expect(substituteEnv('no refs $x {y}', env)).toEqual({ ok: true, value: 'no refs $x {y}' });
  });
});
