import { describe, expect, it } from 'vitest';
import { createLogger } from '../ops/log.js';
import { StopRequestedError } from '../stop-signal.js';
import { isTransient, retryTransient } from './transient.js';

const unknownTopic = () => Object.assign(new Error('This server does not host this topic-partition'), { type: 'UNKNOWN_TOPIC_OR_PARTITION', retriable: true });

function quietLog(lines: string[]) {
  return createLogger('json', (s: string) => { lines.push(s); });
}

describe('retryTransient', () => {
  it('retries a transient error (a kafkajs retriable one) until the step succeeds, one warning a try', async () => {
    const lines: string[] = [];
    let calls = 0;
    const waits: number[] = [];
    const r = await retryTransient('subscribing', async () => {
      calls++;
      if (calls < 3) throw unknownTopic();
      return 'ok';
    }, { log: quietLog(lines), fields: { group: 'g' }, wait: async (ms) => { waits.push(ms); } });
    expect(r).toBe('ok');
    expect(calls).toBe(3);
    expect(waits).toHaveLength(2);
    expect(lines.filter((l) => l.includes('subscribing failed (will try again)'))).toHaveLength(2);
    expect(lines[0]).toContain('"group":"g"');
  });

  it('sees through kafkajs giving up (KafkaJSNumberOfRetriesExceeded keeps the last error as cause)', () => {
    const exceeded = Object.assign(new Error('retries exceeded'), { retriable: false, cause: unknownTopic() });
    expect(isTransient(exceeded)).toBe(true);
    expect(isTransient(new Error('a bug'))).toBe(false);
  });

  it('throws at once what is not transient, or what the caller calls fatal', async () => {
    let calls = 0;
    await expect(retryTransient('placing', async () => { calls++; throw new Error('a bug'); }, { log: quietLog([]), wait: async () => undefined })).rejects.toThrow('a bug');
    expect(calls).toBe(1);
    await expect(retryTransient('placing', async () => { calls++; throw unknownTopic(); }, { log: quietLog([]), fatal: () => true, wait: async () => undefined })).rejects.toThrow('does not host');
    expect(calls).toBe(2);
  });

  it('gives up after giveUpAfterMs, and at once when abandoned or stopped', async () => {
    let t = 0;
    let calls = 0;
    await expect(retryTransient('placing', async () => { calls++; throw unknownTopic(); }, { log: quietLog([]), giveUpAfterMs: 1_000, now: () => t, wait: async (ms) => { t += Math.max(ms, 200); } })).rejects.toThrow('does not host');
    expect(calls).toBeGreaterThan(1);
    expect(t).toBeGreaterThanOrEqual(1_000);
    let abandoned = false;
    calls = 0;
    await expect(retryTransient('placing', async () => { calls++; abandoned = true; throw unknownTopic(); }, { log: quietLog([]), abandoned: () => abandoned, wait: async () => undefined })).rejects.toThrow('does not host');
    expect(calls).toBe(1);
    const stop = new AbortController();
    const p = retryTransient('placing', async () => { throw unknownTopic(); }, { log: quietLog([]), signal: stop.signal, wait: () => new Promise(() => undefined) });
    setTimeout(() => stop.abort(), 10);
    await expect(p).rejects.toBeInstanceOf(StopRequestedError);
  });
});
