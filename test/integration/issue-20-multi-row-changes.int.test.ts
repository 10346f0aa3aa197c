/**
 * Issue 20: a batch's updates and deletes of one shape are one statement on every server database
 * (PostgreSQL's UPDATE … FROM unnest and DELETE … USING unnest, MariaDB's joins), with the
 * outcome one statement per row has: changes of one row applied in event sequence, a version
 * guard skipping (and counting) what is stale, jsonb_set / JSON_REPLACE by each row's own path,
 * exact increments, and the rows SQLite writes one at a time.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GroupProcessor } from '../../src/runtime/commit/processor.js';
import { groupRoutes } from '../../src/runtime/apply/routes.js';
import { silentLogger } from '../../src/runtime/ops/log.js';
import { newStats, noopBreakdown } from '../../src/runtime/ops/stats.js';
import { TABLE_DEAD_LETTERS } from '../../src/runtime/outputs/dead-letters/index.js';
import { openSink } from '../../src/runtime/sinks/open.js';
import { openSqliteSink } from '../../src/runtime/sinks/sqlite.js';
import type { Sink } from '../../src/runtime/sinks/sink.js';
import { applyDdl } from '../../src/sql/apply.js';
import { ENGINE_TABLES } from '../../src/sql/engine-tables.js';
import { parseSpecText } from '../../src/spec/load.js';
import { validateLoaded } from '../../src/validate/index.js';
import type { Plan } from '../../src/compile/plan.js';
import { eachServer, queryDb } from '../helpers/services.js';

const SPEC = `
projection: multi
group: g
topics: [things]
tables:
  things:
    key: [id, k]
    version: entity_version
    columns:
      id: { type: string, length: 16 }
      k: { type: int }
      label: { type: string, length: 16, nullable: true }
      doc: { type: json, nullable: true }
  tallies:
    key: [id]
    columns:
      id: { type: string, length: 16 }
      n: { type: int, default: 0 }
      d: { type: decimal, precision: 12, scale: 2, default: 0 }
on:
  thing.created:
    - insert: things
      set: { id: $.data.id, k: $.data.k, label: $.data.label, doc: { json: $.data.doc } }
      version: $.data.v
    - insert: tallies
      set: { id: $.data.id }
  thing.labelled:
    - update: things
      where: { id: $.data.id, k: $.data.k }
      set: { label: $.data.label, doc: { replace_in: [$.data.line, state], value: $.data.state } }
      version: $.data.v
  thing.counted:
    - increment: tallies
      where: { id: $.data.id }
      by: { n: $.data.by, d: $.data.amount }
  thing.removed:
    - delete: things
      where: { id: $.data.id, k: $.data.k }
      version: $.data.v
`;

const ROWS = 40;
let seq = 0;
const ev = (type: string, n: number, v: number, data: Record<string, unknown>) => ({ event_type: type, event_id: `ev-${seq++}`, entity_id: `e${n}`, data: { id: `r${n}`, k: n % 3, v, ...data } });

/** Creates, then per row two labels (in sequence), a stale label, two increments of each sign, and a delete of every fourth row. */
function events(): unknown[] {
  const out: unknown[] = [];
  for (let n = 0; n < ROWS; n++) out.push(ev('thing.created', n, 1, { label: 'new', doc: [{ state: 'a' }, { state: 'b' }] }));
  for (let n = 0; n < ROWS; n++) out.push(ev('thing.labelled', n, 2, { label: `two-${n}`, line: n % 2, state: 'x' }));
  for (let n = 0; n < ROWS; n++) out.push(ev('thing.counted', n, 2, { by: 2_000_000_000, amount: '0.25' }));
  for (let n = 0; n < ROWS; n++) out.push(ev('thing.labelled', n, 3, { label: `three-${n}`, line: 1, state: 'y' }));
  for (let n = 0; n < ROWS; n++) out.push(ev('thing.labelled', n, 2, { label: 'stale', line: 0, state: 'z' }));
  for (let n = 0; n < ROWS; n++) out.push(ev('thing.counted', n, 3, { by: -2_000_000_001, amount: '-0.05' }));
  for (let n = 0; n < ROWS; n += 4) out.push(ev('thing.removed', n, 4, {}));
  return out;
}

const { skip, servers } = eachServer();

describe.skipIf(skip).each(servers)('issue 20: multi-row updates and deletes on $name', (server) => {
  const cleanup: Array<() => Promise<void>> = [];
  let dir: string;
  let plan: Plan;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'sc-multi-row-'));
    const v = validateLoaded(parseSpecText('multi.yaml', SPEC));
    expect(v.diagnostics).toEqual([]);
    plan = v.plan as Plan;
  });
  afterAll(async () => {
    for (const c of cleanup.reverse()) await c();
    rmSync(dir, { recursive: true, force: true });
  });

  async function run(sink: Sink) {
    const stats = newStats();
    const p = new GroupProcessor({ sink, routes: groupRoutes(plan, 'g'), deadLetters: TABLE_DEAD_LETTERS, stats, log: silentLogger });
    await p.process(events().map((e, i) => ({ topic: 'things', partition: 0, offset: i, key: null, value: Buffer.from(JSON.stringify(e)) })));
    return stats;
  }

  it('one statement a shape and round, the rows SQLite writes one at a time, stale labels skipped and counted', async () => {
    const db = await server.fresh('sc_multi_row');
    cleanup.push(db.drop);
    await applyDdl(db.url, [...plan.tables, ...ENGINE_TABLES]);
    const sink = await openSink(db.url);
    cleanup.push(() => sink.close());
    const stats = await run(sink);
    expect({ applied: stats.applied, deadLettered: stats.deadLettered, noop: stats.noop, noopStale: stats.noopStale }).toEqual({ applied: 6 * ROWS + ROWS / 4, deadLettered: 0, noop: ROWS, noopStale: ROWS });
    expect(noopBreakdown(stats)).toEqual({ 'things/thing.labelled stale': ROWS });
    // Rounds: creates (2 tables), labels v2, labels v3 (the same row again), the stale labels,
    // the increments (the two of one sign merged; the opposite signs stay two), deletes.
    expect(stats.statements).toBe(2 + 1 + 1 + 1 + 2 + 1);

    const url = `sqlite:${join(dir, `${server.kind}.sqlite`)}`;
    await applyDdl(url, [...plan.tables, ...ENGINE_TABLES]);
    const lite = openSqliteSink(url);
    cleanup.push(() => lite.close());
    await run(lite);
    // JSON by value (jsonb reorders keys; mysql2 parses it), a decimal at its scale (SQLite reads
    // back 0.2: its exact text on the servers is checked below), everything else as text.
    const json = (v: unknown): unknown => (typeof v === 'string' ? JSON.parse(v) : v);
    const cells = (rows: Array<Record<string, unknown>>) => rows.map((r) => Object.fromEntries(Object.entries(r).map(([c, v]) => [c, c === 'doc' ? json(v) : c === 'd' ? Number(v).toFixed(2) : String(v)])));
    const things = 'SELECT id, k, label, doc, entity_version FROM things ORDER BY id';
    const tallies = 'SELECT id, n, d FROM tallies ORDER BY id';
    const onServer = { things: cells(await queryDb(db.url, things)), tallies: cells(await queryDb(db.url, tallies)) };
    expect(onServer.things).toHaveLength(ROWS - ROWS / 4);
    expect(onServer.things[0]).toEqual({ id: 'r1', k: '1', label: 'three-1', doc: [{ state: 'a' }, { state: 'y' }], entity_version: '3' });
    expect(onServer.tallies[0]).toEqual({ id: 'r0', n: '-1', d: '0.20' });
    expect((await queryDb(db.url, "SELECT d FROM tallies WHERE id = 'r0'"))[0]?.d).toBe('0.20');
    const file = new Database(url.slice('sqlite:'.length), { readonly: true });
    try {
      const all = (sql: string) => cells(file.prepare(sql).all() as Array<Record<string, unknown>>);
      expect({ things: all(things), tallies: all(tallies) }).toEqual(onServer);
    } finally {
      file.close();
    }
  });
});
