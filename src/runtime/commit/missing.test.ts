/**
 * No effect is silently skipped (issue 12, point 2): an operation whose row cannot be identified
 * or whose required value is missing dead-letters the event with a reason naming projection,
 * operation, column and path, or, with `on_missing: skip`, is counted as missed.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Plan } from '../../compile/plan.js';
import { parseSpecText } from '../../spec/load.js';
import { applyDdl } from '../../sql/apply.js';
import { ENGINE_TABLES } from '../../sql/engine-tables.js';
import { validateLoaded } from '../../validate/index.js';
import { silentLogger } from '../ops/log.js';
import type { RawMessage } from '../apply/message.js';
import { GroupProcessor } from './processor.js';
import { groupRoutes } from '../apply/routes.js';
import { openSqliteSink } from '../sinks/sqlite.js';
import type { Sink } from '../sinks/sink.js';
import { newStats, type GroupStats } from '../ops/stats.js';
import { TABLE_DEAD_LETTERS } from '../outputs/dead-letters/index.js';

const spec = (projectionDefault: string, opRule: string, deleteRule = opRule): string => `
projection: tallies
group: g
topics: [t]
${projectionDefault}
tables:
  tallies:
    key: [id]
    columns:
      id: { type: string, length: 16 }
      label: { type: string, length: 16, nullable: true }
      n: { type: int, default: 0 }
      items: { type: json, nullable: true }
on:
  tally.created:
    - insert: tallies
      set: { id: $.data.id, label: $.data.label, items: { json: $.data.items } }
  tally.labelled:
    - update: tallies
      where: { id: $.data.id }
      set: { label: $.data.label }
      ${opRule}
  tally.bumped:
    - increment: tallies
      where: { id: $.data.id }
      by: { n: $.data.by }
      create_missing: true
      ${opRule}
  tally.item:
    - update: tallies
      where: { id: $.data.id }
      set: { items: { replace_in: [$.data.line, state], value: $.data.state } }
      ${opRule}
  tally.removed:
    - delete: tallies
      where: { id: $.data.id }
      ${deleteRule}
`;

let dir: string;
let sink: Sink;
let stats: GroupStats;
let offset = 0;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sc-missing-'));
  stats = newStats();
});
afterEach(async () => {
  await sink.close();
  rmSync(dir, { recursive: true, force: true });
});

async function run(specText: string, events: Array<[string, Record<string, unknown>]>): Promise<void> {
  const v = validateLoaded(parseSpecText('spec.yaml', specText));
  expect(v.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  const plan = v.plan as Plan;
  const url = `sqlite:${join(dir, 'db.sqlite')}`;
  await applyDdl(url, [...plan.tables, ...ENGINE_TABLES]);
  sink = openSqliteSink(url);
  const p = new GroupProcessor({ sink, routes: groupRoutes(plan, 'g'), deadLetters: TABLE_DEAD_LETTERS, stats, log: silentLogger });
  const msgs: RawMessage[] = events.map(([type, data], i) => ({ topic: 't', partition: 0, offset: offset++, key: null, value: Buffer.from(JSON.stringify({ event_type: type, event_id: `e${i}`, entity_id: 'x', data })) }));
  await p.process(msgs);
}
function rows(table: string): Array<Record<string, unknown>> {
  const db = new Database(join(dir, 'db.sqlite'), { readonly: true });
  try {
    return db.prepare(`SELECT * FROM "${table}" ORDER BY 1`).all() as Array<Record<string, unknown>>;
  } finally {
    db.close();
  }
}

const EVENTS: Array<[string, Record<string, unknown>]> = [
  ['tally.created', { id: 'a', items: [{ state: 'new' }] }],
  ['tally.labelled', { label: 'no id' }],
  ['tally.labelled', { id: null, label: 'null id' }],
  ['tally.bumped', { by: 2 }],
  ['tally.bumped', { id: 'a' }],
  ['tally.item', { id: 'a', state: 'done' }],
  ['tally.removed', {}],
  ['tally.created', { label: 'no key' }],
  ['tally.labelled', { id: 'a', label: 'ok' }],
  ['tally.labelled', { id: 'nobody', label: 'orphan' }],
];

describe('on_missing', () => {
  it('dead-letters by default, naming projection, operation, column and path', async () => {
    await run(spec('', ''), EVENTS);
    const reasons = rows('sc_dead_letters').sort((a, b) => Number(a.offset) - Number(b.offset)).map((r) => r.reason);
    const tail = ' (missing or null) (on_missing: skip would count it as missed instead)';
    expect(reasons).toEqual([
      `tally.labelled: projection tallies, update tallies: where column id has no value at $.data.id${tail}`,
      `tally.labelled: projection tallies, update tallies: where column id has no value at $.data.id${tail}`,
      `tally.bumped: projection tallies, increment tallies: where column id has no value at $.data.id${tail}`,
      `tally.bumped: projection tallies, increment tallies: amount for n has no value at $.data.by${tail}`,
      `tally.item: projection tallies, update tallies: replace_in items: position 1 has no value at $.data.line${tail}`,
      `tally.removed: projection tallies, delete tallies: where column id has no value at $.data.id${tail}`,
      `tally.created: projection tallies, insert tallies: key column id has no value at $.data.id${tail}`,
    ]);
    expect(rows('tallies')).toMatchObject([{ id: 'a', label: 'ok', n: 0 }]);
    expect(stats).toMatchObject({ events: 10, applied: 3, deadLettered: 7, missed: 0 });
  });

  it('counts as missed, not applied, with on_missing: skip on the operation', async () => {
    await run(spec('', 'on_missing: skip'), EVENTS);
    // The insert has no on_missing: its event without a key is still dead-lettered.
    expect(rows('sc_dead_letters')).toMatchObject([{ reason: expect.stringMatching(/^tally\.created: projection tallies, insert tallies: key column id/) }]);
    expect(rows('tallies')).toMatchObject([{ id: 'a', label: 'ok', n: 0 }]);
    expect(stats).toMatchObject({ events: 10, applied: 3, deadLettered: 1, missed: 6 });
  });

  it('takes the projection default, and an operation can override it', async () => {
    const text = spec('on_missing: skip', '', 'on_missing: dlq');
    await run(text, EVENTS);
    expect(rows('sc_dead_letters').map((r) => r.reason)).toEqual([expect.stringMatching(/^tally\.removed: projection tallies, delete tallies: where column id/)]);
    // The insert without a key takes the projection's default: missed too.
    expect(stats).toMatchObject({ events: 10, applied: 3, deadLettered: 1, missed: 6 });
  });
});
