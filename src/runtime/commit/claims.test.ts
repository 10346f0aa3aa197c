import { describe, expect, it } from 'vitest';
import { claimIds, processedRow } from './claims.js';
import { ExactNumber } from '../../compile/exact-number.js';
import { engineSql } from '../../sql/engine-sql.js';
import type { Statement } from '../../sql/statement.js';
import type { Tx } from '../sinks/sink.js';
import type { DecodedEvent } from '../apply/message.js';

const AT = '2026-01-01 00:00:00.000';
const routes = {
  group: 'g',
  entityOf: (d: { value: unknown }) => (d.value as { e?: unknown }).e,
  versionOf: (e: { value: unknown }) => (e.value as { v?: unknown }).v,
};

function event(id: string | undefined, value: unknown = {}, type = 'T'): { event: DecodedEvent } {
  return { event: { msg: { topic: 't', partition: 0, offset: 0, key: null, value: null }, value, type, typeText: type, ...(id !== undefined ? { id } : {}) } };
}

/** A fake transaction over a set of already processed ids: answers the claim statements as the databases do. */
function fakeTx(processed: Set<string>, o: { conflict?: boolean } = {}) {
  const sent: Statement[] = [];
  const ids = (s: Statement, skip: number, width: number) => s.params.filter((_, i) => i >= skip && (i - skip) % width === 0).map(String);
  const tx: Tx = {
    async query(s) {
      sent.push(s);
      if (/RETURNING/.test(s.sql)) {
        const fresh = ids(s, 1, 6).filter((id) => !processed.has(id));
        for (const id of fresh) processed.add(id);
        return fresh.map((event_id) => ({ event_id }));
      }
      return ids(s, 1, 1).filter((id) => processed.has(id)).map((event_id) => ({ event_id }));
    },
    async exec(s) {
      sent.push(s);
      if (o.conflict === true) throw Object.assign(new Error('Duplicate entry'), { errno: 1062 });
      for (const id of ids(s, 1, 6)) processed.add(id);
      return s.params.length / 6;
    },
  };
  return { tx, sent };
}

describe('claimIds', () => {
  for (const returning of [true, false]) {
    const sink = { returning, engine: engineSql(returning ? 'sqlite' : 'mysql') };
    it(`keeps the events not processed before, in sequence, and events without an id (returning: ${returning})`, async () => {
      const processed = new Set(['b']);
      const { tx } = fakeTx(processed);
      const all = [event('a'), event('b'), event(undefined), event('c')];
      const fresh = await claimIds(tx, sink, routes, all, AT);
      expect(fresh).toEqual([all[0], all[2], all[3]]);
      expect([...processed].sort()).toEqual(['a', 'b', 'c']);
    });
  }

  it('sends nothing when no event has an id', async () => {
    const { tx, sent } = fakeTx(new Set());
    const all = [event(undefined), event(undefined)];
    expect(await claimIds(tx, { returning: false, engine: engineSql('mysql') }, routes, all, AT)).toBe(all);
    expect(sent).toEqual([]);
  });

  it('claims 1,000 ids per statement', async () => {
    const { tx, sent } = fakeTx(new Set());
    const all = Array.from({ length: 2500 }, (_, i) => event(`e${i}`));
    expect(await claimIds(tx, { returning: true, engine: engineSql('sqlite') }, routes, all, AT)).toHaveLength(2500);
    expect(sent.map((s) => s.params.length / 6)).toEqual([1000, 1000, 500]);
  });

  it('reports ids claimed concurrently as SC_CLAIM_CONFLICT (retried, then found processed)', async () => {
    const { tx } = fakeTx(new Set(), { conflict: true });
    await expect(claimIds(tx, { returning: false, engine: engineSql('mysql') }, routes, [event('a')], AT)).rejects.toMatchObject({ code: 'SC_CLAIM_CONFLICT' });
  });
});

describe('processedRow', () => {
  it('records scalar entities and safe integer versions only, and cuts long texts', () => {
    const p = event('x', { e: 'k'.repeat(300), v: 3 }, 'y'.repeat(200)) as { event: DecodedEvent & { id: string } };
    expect(processedRow(routes, p, AT)).toEqual({ group: 'g', eventId: 'x', entityId: 'k'.repeat(255), entityVersion: 3, eventType: 'y'.repeat(128), at: AT });
    const odd = event('x', { e: { toString: 1 }, v: 2 ** 60 }) as { event: DecodedEvent & { id: string } };
    expect(processedRow(routes, odd, AT)).toMatchObject({ entityId: null, entityVersion: null });
  });

  it('records an exact-number entity as written and a version of digits (a header\'s text) as its integer (issue 22)', () => {
    const fromRecord = event('x', { e: new ExactNumber('12345678901234567890'), v: '7' }) as { event: DecodedEvent & { id: string } };
    expect(processedRow(routes, fromRecord, AT)).toMatchObject({ entityId: '12345678901234567890', entityVersion: 7 });
    const notDigits = event('x', { e: 1, v: 'v7' }) as { event: DecodedEvent & { id: string } };
    expect(processedRow(routes, notDigits, AT)).toMatchObject({ entityId: '1', entityVersion: null });
  });
});
