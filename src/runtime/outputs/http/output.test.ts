/**
 * An HTTP output over a real SQLite outbox with a scripted transport and a test clock: retries,
 * Retry-After, rejection to the dead-letter table, resending a stored batch byte-identical after a
 * restart, splitting by max_records and max_bytes, content de-duplication across restarts.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Plan } from '../../../compile/plan.js';
import { parseSpecText } from '../../../spec/load.js';
import { applyDdl } from '../../../sql/apply.js';
import { engineTablesFor } from '../../../sql/engine-tables.js';
import { validateLoaded } from '../../../validate/index.js';
import { silentLogger } from '../../ops/log.js';
import type { RawMessage } from '../../apply/message.js';
import { GroupProcessor } from '../../commit/processor.js';
import { groupRoutes } from '../../apply/routes.js';
import { openSqliteSink } from '../../sinks/sqlite.js';
import type { Sink } from '../../sinks/sink.js';
import { newStats } from '../../ops/stats.js';
import { openGroupOutputs, type GroupOutputs, type HttpRequest, type HttpResponse } from './index.js';
import { TABLE_DEAD_LETTERS } from '../dead-letters/index.js';

const spec = (maxRecords: number, maxBytes = 1_000_000) => `
projection: sync
group: g
topics: [a, b]
envelope: { type: $.type, id: $.id }
outputs:
  api:
    http: { url: "\${TEST_API_URL:-http://127.0.0.1:9/x}", headers: { X-Token: "\${TEST_TOKEN:-t0}" }, timeout: 1 }
    lists: [as, bs]
    flush: { interval: 60, max_records: ${maxRecords}, max_bytes: ${maxBytes} }
    retry: { retries: 2, base: 1, multiplier: 2 }
    dedupe: { content: $.items, ttl: 60 }
    body: { object: { id: $.id, time: $.time, as: $.lists.as, bs: $.lists.bs, n: { count: $.lists.as } } }
on:
  A: [{ append: api, list: as, for_each: $.items }]
  B: [{ append: api, list: bs, for_each: $.items, value: { object: { k: $item.k, i: $index } } }]
`;

let dir: string;
let url: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'sc-http-'));
  url = `sqlite:${join(dir, 'db.sqlite')}`;
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

type Script = Array<HttpResponse | Error>;

async function open(text: string, script: Script) {
  const v = validateLoaded(parseSpecText('spec.yaml', text));
  expect(v.diagnostics).toEqual([]);
  const plan = v.plan as Plan;
  await applyDdl(url, [...plan.tables, ...engineTablesFor(plan)]);
  const sink: Sink = openSqliteSink(url);
  const requests: HttpRequest[] = [];
  let now = Date.UTC(2026, 0, 1);
  const waits: number[] = [];
  const outputs = (await openGroupOutputs(plan, 'g', {
    sink, log: silentLogger, env: {}, bounded: false, random: () => 1,
    deadLetters: TABLE_DEAD_LETTERS,
    transport: async (req) => {
      requests.push(req);
      const next = script.shift() ?? { status: 200, retryAfter: null, excerpt: 'ok' };
      if (next instanceof Error) throw next;
      return next;
    },
    clock: { now: () => now, sleep: async (ms) => { waits.push(ms); now += ms; return true; } },
  })) as GroupOutputs;
  const routes = groupRoutes(plan, 'g');
  const processor = new GroupProcessor({ sink, routes, deadLetters: TABLE_DEAD_LETTERS, stats: newStats(), log: silentLogger, effects: [outputs.effect] });
  return {
    plan, sink, outputs, processor, requests, waits,
    async close() {
      await outputs.stop();
      await sink.close();
    },
  };
}

let offset = 0;
function msg(topic: string, value: unknown): RawMessage {
  return { topic, partition: 0, offset: offset++, key: Buffer.from('k'), value: Buffer.from(JSON.stringify(value)) };
}
const ok: HttpResponse = { status: 200, retryAfter: null, excerpt: 'ok' };
const status = (s: number, retryAfter: string | null = null, excerpt = ''): HttpResponse => ({ status: s, retryAfter, excerpt });
const bodies = (rs: HttpRequest[]) => rs.map((r) => JSON.parse(r.body) as { id: string; as: unknown[]; bs: unknown[]; n: number });
const rows = (sql: string) => {
  const db = new Database(url.slice('sqlite:'.length), { readonly: true });
  try {
    return db.prepare(sql).all() as Array<Record<string, unknown>>;
  } finally {
    db.close();
  }
};

describe('HTTP output', () => {
  it('retries 500, 503 with Retry-After, 429 and a dropped connection with the same id and bytes, then marks the batch delivered', async () => {
    const t = await open(spec(100), [status(500), status(503, '7'), status(429), new Error('socket hang up'), ok]);
    await t.processor.process([msg('a', { type: 'A', id: '1', items: [{ x: 1 }, { x: 2 }] }), msg('b', { type: 'B', id: '2', items: [{ k: 'p' }] })]);
    // retries: 2 per flush: the first flush gives up after three attempts and keeps the batch.
    expect(await t.outputs.runners[0]?.flush()).toBe(false);
    expect(t.requests).toHaveLength(3);
    expect(t.waits).toEqual([1000, 7000]);
    expect(await t.outputs.runners[0]?.flush()).toBe(true);
    expect(t.requests).toHaveLength(5);
    expect(new Set(t.requests.map((r) => r.body)).size).toBe(1);
    const [body] = bodies(t.requests);
    expect(body).toMatchObject({ as: [{ x: 1 }, { x: 2 }], bs: [{ k: 'p', i: 0 }], n: 2, time: '2026-01-01T00:00:00.000Z' });
    expect(body?.id).toMatch(/^EVT-20260101000000-[0-9a-f]{6}$/);
    expect(t.requests.every((r) => r.headers['Idempotency-Key'] === body?.id && r.headers['X-Token'] === 't0' && r.headers['Content-Type'] === 'application/json')).toBe(true);
    expect(rows('SELECT status, last_status FROM sc_http_batches')).toEqual([{ status: 'delivered', last_status: 200 }]);
    expect(rows('SELECT COUNT(*) AS n FROM sc_http_records')).toEqual([{ n: 0 }]);
    expect(rows('SELECT COUNT(*) AS n FROM sc_http_messages')).toEqual([{ n: 0 }]);
    expect(t.outputs.stats().api).toMatchObject({ batchesSent: 1, recordsSent: 3, retries: 3, attempts: 5, lastStatus: 200 });
    await t.close();
  });

  it('a 400 rejects the batch: its source messages go to the dead-letter table with the status and the answer, and the output goes on', async () => {
    const t = await open(spec(2), [status(400, null, '{"error":"bad sku"}')]);
    await t.processor.process([msg('a', { type: 'A', id: '1', items: [{ x: 1 }, { x: 2 }] }), msg('a', { type: 'A', id: '2', items: [{ x: 3 }] })]);
    expect(await t.outputs.runners[0]?.flush({ drain: true })).toBe(true);
    expect(bodies(t.requests).map((b) => b.as)).toEqual([[{ x: 1 }, { x: 2 }], [{ x: 3 }]]);
    const letters = rows('SELECT topic, "offset", reason, value_bytes FROM sc_dead_letters');
    expect(letters).toHaveLength(1);
    expect(letters[0]?.reason).toContain('status 400: {"error":"bad sku"}');
    expect(JSON.parse(Buffer.from(String(letters[0]?.value_bytes), 'base64').toString())).toMatchObject({ id: '1' });
    expect(rows('SELECT status FROM sc_http_batches ORDER BY created_at, batch_id').map((r) => r.status).sort()).toEqual(['delivered', 'rejected']);
    await t.close();
  });

  it('a batch kept while the endpoint is down is resent byte-identical by the next run, before any new batch', async () => {
    const down = await open(spec(100), [new Error('ECONNREFUSED'), new Error('ECONNREFUSED'), new Error('ECONNREFUSED')]);
    await down.processor.process([msg('a', { type: 'A', id: '1', items: [{ x: 1 }] })]);
    expect(await down.outputs.runners[0]?.flush()).toBe(false);
    const first = down.requests[0];
    await down.close();

    const up = await open(spec(100), []);
    await up.processor.process([msg('a', { type: 'A', id: '2', items: [{ x: 2 }] })]);
    expect(await up.outputs.runners[0]?.flush({ drain: true })).toBe(true);
    expect(up.requests).toHaveLength(2);
    expect(up.requests[0]?.body).toBe(first?.body);
    expect(up.requests[0]?.headers['Idempotency-Key']).toBe(first?.headers['Idempotency-Key']);
    expect(bodies(up.requests).map((b) => b.as)).toEqual([[{ x: 1 }], [{ x: 2 }]]);
    await up.close();
  });

  it('cuts by max_records and max_bytes; every record is in exactly one batch, in consumption sequence', async () => {
    const t = await open(spec(3, 40), []);
    const items = Array.from({ length: 10 }, (_, i) => ({ x: i }));
    await t.processor.process([msg('a', { type: 'A', id: '1', items: items.slice(0, 4) }), msg('a', { type: 'A', id: '2', items: items.slice(4) })]);
    expect(await t.outputs.runners[0]?.flush({ drain: true })).toBe(true);
    const sent = bodies(t.requests);
    expect(sent.flatMap((b) => b.as)).toEqual(items);
    // {"x":0} is 7 bytes: 40 bytes hold 5 records, so max_records (3) cuts first.
    expect(sent.map((b) => b.as.length)).toEqual([3, 3, 3, 1]);
    expect(new Set(sent.map((b) => b.id)).size).toBe(4);
    await t.close();
  });

  it('skips a payload seen within the TTL under another id, also after a restart, and dead-letters a payload that is not an array', async () => {
    const t = await open(spec(100), []);
    await t.processor.process([
      msg('a', { type: 'A', id: '1', items: [{ x: 1, y: 2 }] }),
      msg('a', { type: 'A', id: '2', items: [{ y: 2, x: 1 }] }),
      msg('a', { type: 'A', id: '3', items: { x: 1 } }),
    ]);
    expect(t.outputs.stats().api?.contentDuplicates).toBe(1);
    await t.close();
    const again = await open(spec(100), []);
    await again.processor.process([msg('b', { type: 'A', id: '4', items: [{ x: 1, y: 2 }] })]);
    expect(again.outputs.stats().api?.contentDuplicates).toBe(1);
    await again.outputs.runners[0]?.flush({ drain: true });
    expect(bodies(again.requests).map((b) => b.as)).toEqual([[{ x: 1, y: 2 }]]);
    expect(rows('SELECT reason FROM sc_dead_letters').map((r) => r.reason)).toEqual(['A: append to api.as: $.items is not an array (got an object)']);
    await again.close();
  });
});
