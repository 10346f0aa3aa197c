/**
 * Rebuild end to end on SQLite through a file (the embedded default): a spec changed (a new column
 * and a handler for an event type the stream carried from the start) is rebuilt, and the result
 * equals a from-scratch run of the new spec over the same file.
 */
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { cardEvents, tableNames, tableRows, toNdjsonText, writeCardsSpec } from '../../../test/helpers/rebuild-scenario.js';
import { rebuildCommand } from '../../cli/rebuild.js';
import { createRuntime } from '../runtime.js';
import { collectStatus, formatStatus } from '../ops/status.js';
import { validatePaths } from '../../validate/index.js';
import type { Plan } from '../../compile/plan.js';
import { silentLogger, type Logger } from '../ops/log.js';
import { cleanupRebuilds, rebuild, RebuildError } from './rebuild.js';

const dir = mkdtempSync(join(tmpdir(), 'sc-rebuild-test-'));
const spec = writeCardsSpec('t.accounts', 'g-cards');
const file = join(dir, 'events.ndjson');
writeFileSync(file, toNdjsonText(cardEvents('t.accounts', 3000, 150)));
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
  spec.remove();
});

let n = 0;
const freshUrl = () => `sqlite:${join(dir, `db${n++}.sqlite`)}`;

async function runFile(config: string, url: string): Promise<void> {
  const rt = await createRuntime({ config, databaseUrl: url, from: file, logger: silentLogger, statsInterval: 0, retentionMs: 0 });
  await rt.start();
  await rt.done;
}

function query(url: string, sql: string, ...params: unknown[]): Array<Record<string, unknown>> {
  const db = new Database(url.slice('sqlite:'.length));
  try {
    const st = db.prepare(sql);
    return (st.reader ? st.all(...params) : (st.run(...params), [])) as Array<Record<string, unknown>>;
  } finally {
    db.close();
  }
}

// Whole rebuilds through SQLite files: a second or two each alone, much more when the suite runs on a loaded 2-core machine.
describe('rebuild on SQLite from a file', { timeout: 60_000 }, () => {
  it('a changed spec rebuilt equals a from-scratch run of it; the old table is kept, the live group keeps its positions', async () => {
    const live = freshUrl();
    await runFile(spec.v1, live);
    const before = await tableRows(live, 'cards');
    expect(before.length).toBe(150);
    const positions = query(live, 'SELECT topic, partition, next_offset FROM sc_consumer_positions WHERE consumer_group = ?', 'g-cards');

    const report = await rebuild({ config: spec.v2, projections: ['cards'], databaseUrl: live, from: file });
    expect(report).toMatchObject({ projections: ['cards'], resumed: false, events: 3000, applied: 3000, movedPositions: 0, droppedOld: [] });
    expect(report.swapMs).toBeGreaterThanOrEqual(0);
    expect(report.eventsPerS).toBeGreaterThan(0);

    const scratch = freshUrl();
    await runFile(spec.v2, scratch);
    const rows = await tableRows(live, 'cards');
    expect(rows).toEqual(await tableRows(scratch, 'cards'));
    expect(rows.reduce((s, r) => s + Number(r.logins), 0)).toBe(1425);
    // The table the live engine had is kept as it was.
    expect(await tableRows(live, 'cards__old')).toEqual(before);
    expect(await tableNames(live)).not.toContain('cards__next');
    expect(query(live, 'SELECT topic, partition, next_offset FROM sc_consumer_positions WHERE consumer_group = ?', 'g-cards')).toEqual(positions);
    // The shadow group leaves nothing behind; the new spec is recorded as the one that built the tables.
    expect(query(live, 'SELECT count(*) AS n FROM sc_consumer_positions WHERE consumer_group = ?', 'g-cards.rebuild')).toEqual([{ n: 0 }]);
    expect(query(live, 'SELECT count(*) AS n FROM sc_processed_events WHERE consumer_group = ?', 'g-cards.rebuild')).toEqual([{ n: 0 }]);
    expect(query(live, 'SELECT fingerprint FROM sc_spec_fingerprints WHERE projection = ?', 'cards')).toEqual(query(scratch, 'SELECT fingerprint FROM sc_spec_fingerprints WHERE projection = ?', 'cards'));
    expect(query(live, 'SELECT state FROM sc_rebuilds WHERE projection = ?', 'cards')).toEqual([{ state: 'swapped' }]);
    const status = await collectStatus({ plan: validatePaths([spec.v2]).plan as Plan, databaseUrl: live });
    expect(status.rebuilds).toMatchObject([{ projection: 'cards', state: 'swapped', liveGroup: 'g-cards', shadowGroup: 'g-cards.rebuild' }]);
    expect(formatStatus(status, 'text')).toMatch(/rebuild of cards: swapped .*sc-project cleanup cards/);

    // The live engine on the new spec carries on from its positions: nothing is applied twice.
    await runFile(spec.v2, live);
    expect(await tableRows(live, 'cards')).toEqual(rows);

    // Another rebuild (other specs) needs the kept table out of the way; cleanup drops it.
    await expect(rebuild({ config: spec.v1, projections: ['cards'], databaseUrl: live, from: file })).rejects.toThrow(/cards__old .*sc-project cleanup cards.*--drop-old/);
    expect(await cleanupRebuilds({ databaseUrl: live })).toEqual({ dropped: ['cards__old'], underWay: [] });
    const again = await rebuild({ config: spec.v2, projections: ['cards'], databaseUrl: live, from: file, dropOld: true });
    expect(again.droppedOld).toEqual(['cards__old']);
    expect(await tableRows(live, 'cards')).toEqual(rows);
    // SQLite index names are per database: the second rebuild's shadow indexes did not collide with the first's.
    const indexes = query(live, "SELECT name, tbl_name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'cards' AND name NOT LIKE 'sqlite_%'");
    expect(indexes.length).toBe(1);
  });

  it('after the swap the live group recognises a redelivery of an event only the new spec handles', async () => {
    // v1 skips account.login, so the live group has no processed id of a login; the shadow's ids
    // must reach it, or a login redelivered after the swap is counted twice.
    const events = cardEvents('t.accounts', 3000, 150);
    const redelivered = events[151] as (typeof events)[number];
    expect(redelivered.value.event_type).toBe('account.login');
    const more = join(dir, 'more.ndjson');
    writeFileSync(more, toNdjsonText([...events, redelivered]));
    const runMore = async (config: string, url: string) => {
      const rt = await createRuntime({ config, databaseUrl: url, from: more, logger: silentLogger, statsInterval: 0, retentionMs: 0 });
      await rt.start();
      await rt.done;
    };
    const live = freshUrl();
    await runFile(spec.v1, live);
    await rebuild({ config: spec.v2, projections: ['cards'], databaseUrl: live, from: file });
    await runMore(spec.v2, live);
    const scratch = freshUrl();
    await runMore(spec.v2, scratch);
    expect(await tableRows(live, 'cards')).toEqual(await tableRows(scratch, 'cards'));
  });

  it('with no live run at all: the live group takes the shadow\'s positions and applies nothing again', async () => {
    const url = freshUrl();
    const report = await rebuild({ config: spec.v2, projections: ['cards'], databaseUrl: url, from: file });
    expect(report.movedPositions).toBe(1);
    const scratch = freshUrl();
    await runFile(spec.v2, scratch);
    await runFile(spec.v2, url);
    expect(await tableRows(url, 'cards')).toEqual(await tableRows(scratch, 'cards'));
    expect(query(url, 'SELECT next_offset FROM sc_consumer_positions WHERE consumer_group = ?', 'g-cards')).toEqual([{ next_offset: 3000 }]);
  });

  it('resumes after an interruption, and finishes the bookkeeping of a swap interrupted after its rename', async () => {
    const url = freshUrl();
    await runFile(spec.v1, url);
    const controller = new AbortController();
    const abortOnCreate: Logger = { ...silentLogger, info: (msg) => { if (msg === 'rebuild: created shadow table') controller.abort(); } };
    await expect(rebuild({ config: spec.v2, projections: ['cards'], databaseUrl: url, from: file, logger: abortOnCreate, signal: controller.signal })).rejects.toThrow(/stopped before the swap.*resume/);
    expect(query(url, 'SELECT state FROM sc_rebuilds')).toEqual([{ state: 'building' }]);
    expect(await tableNames(url)).toContain('cards__next');
    const resumed = await rebuild({ config: spec.v2, projections: ['cards'], databaseUrl: url, from: file });
    expect(resumed.resumed).toBe(true);
    const scratch = freshUrl();
    await runFile(spec.v2, scratch);
    expect(await tableRows(url, 'cards')).toEqual(await tableRows(scratch, 'cards'));

    // As if killed between the rename and its bookkeeping (MariaDB's RENAME commits on its own).
    query(url, "UPDATE sc_rebuilds SET state = 'swapping'");
    query(url, 'DELETE FROM sc_spec_fingerprints');
    const finished = await rebuild({ config: spec.v2, projections: ['cards'], databaseUrl: url, from: file });
    expect(finished).toMatchObject({ resumed: true, events: 0 });
    expect(query(url, 'SELECT state FROM sc_rebuilds')).toEqual([{ state: 'swapped' }]);
    expect(query(url, 'SELECT fingerprint FROM sc_spec_fingerprints')).toEqual(query(scratch, 'SELECT fingerprint FROM sc_spec_fingerprints'));
    expect(await tableRows(url, 'cards')).toEqual(await tableRows(scratch, 'cards'));

    // Run again after an interruption past the swap (the same specs, cards__old still kept): done, not refused.
    const rerun = await rebuild({ config: spec.v2, projections: ['cards'], databaseUrl: url, from: file });
    expect(rerun).toMatchObject({ resumed: true, events: 0 });
    expect(await tableRows(url, 'cards')).toEqual(await tableRows(scratch, 'cards'));
  });

  it('a spec changed again during an interrupted rebuild starts it over', async () => {
    const url = freshUrl();
    const controller = new AbortController();
    const abortOnCreate: Logger = { ...silentLogger, info: (msg) => { if (msg === 'rebuild: created shadow table') controller.abort(); } };
    await expect(rebuild({ config: spec.v1, projections: ['cards'], databaseUrl: url, from: file, logger: abortOnCreate, signal: controller.signal })).rejects.toBeInstanceOf(RebuildError);
    const status = await collectStatus({ plan: validatePaths([spec.v1]).plan as Plan, databaseUrl: url });
    expect(formatStatus(status, 'text')).toMatch(/rebuild of cards: building since .* 0 of 0 messages .*sc-project rebuild cards to resume/);
    const report = await rebuild({ config: spec.v2, projections: ['cards'], databaseUrl: url, from: file });
    expect(report.resumed).toBe(false);
    expect((await tableRows(url, 'cards')).some((r) => Number(r.logins) > 0)).toBe(true);
  });

  it('a group that holds another projection: only the named one is rebuilt, and nothing the live group has not applied', async () => {
    const both = join(dir, 'both');
    mkdirSync(both);
    copyFileSync(join(spec.v2, 'cards.yaml'), join(both, 'cards.yaml'));
    writeFileSync(join(both, 'names.yaml'), `projection: names
group: g-cards
topics: [t.accounts]
unhandled: skip
tables:
  names:
    key: [account_id]
    columns:
      account_id: { type: string, length: 64 }
      name:       { type: string, length: 100, nullable: true }
on:
  account.renamed:
    - insert: names
      set: { account_id: $.entity_id, name: $.data.name }
      on_conflict: { update: [name] }
`);
    // Never ran: the shadow applies nothing (the other projection has applied nothing either).
    const url = freshUrl();
    const none = await rebuild({ config: both, projections: ['cards'], databaseUrl: url, from: file });
    expect(none).toMatchObject({ applied: 0, movedPositions: 0 });
    await runFile(both, url);
    const scratch = freshUrl();
    await runFile(both, scratch);
    expect(await tableRows(url, 'cards')).toEqual(await tableRows(scratch, 'cards'));
    // Ran: the shadow stops at the live group's positions, and the other projection's table is untouched.
    const names = await tableRows(url, 'names');
    await cleanupRebuilds({ databaseUrl: url });
    const again = await rebuild({ config: both, projections: ['cards'], databaseUrl: url, from: file });
    expect(again.applied).toBe(3000);
    expect(await tableRows(url, 'cards')).toEqual(await tableRows(scratch, 'cards'));
    expect(await tableRows(url, 'names')).toEqual(names);
    expect(await tableNames(url)).not.toContain('names__old');
  });

  it('bad input exits 1 with a message, never a stack trace', async () => {
    const url = freshUrl();
    const r = await rebuildCommand(['nope'], { config: [spec.v2], databaseUrl: url, from: [file], progress: false, logFormat: 'text', clientId: 'x', concurrency: '2', sessionTimeout: '30' });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/no projection named nope/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    const none = await rebuildCommand([], { config: [spec.v2], databaseUrl: url, progress: false, logFormat: 'text', clientId: 'x', concurrency: '2', sessionTimeout: '30' });
    expect(none.code).toBe(2);
  });
});
