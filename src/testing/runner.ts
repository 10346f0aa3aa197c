/**
 * `sc-project test`: apply each fixture case's messages to a fresh database with the real
 * runtime processor (same plan, batching and idempotency as `run`), compare the tables, then
 * replay the messages as redeliveries and compare again: the rows must not change.
 */
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Knex } from 'knex';
import type { Plan } from '../compile/plan.js';
import { applyDdl } from '../sql/apply.js';
import { openKnex } from '../sql/connection.js';
import { engineTablesFor } from '../sql/engine-tables.js';
import { lineToMessage } from '../runtime/sources/ndjson/reader.js';
import { silentLogger } from '../runtime/ops/log.js';
import { openSink } from '../runtime/sinks/open.js';
import type { Sink } from '../runtime/sinks/sink.js';
import type { RawMessage } from '../runtime/apply/message.js';
import { compareTable, type Row, type TableDiff } from './compare.js';
import type { FixtureCase } from './fixtures.js';
import { compareSent, recorder } from './http.js';
import { assembleGroup, type Group } from '../runtime/engine.js';
import { fileSchemas } from '../runtime/registry/index.js';
import { drive } from '../runtime/drive.js';
import { memorySource } from '../runtime/sources/memory.js';
import { TABLE_DEAD_LETTERS } from '../runtime/outputs/dead-letters/index.js';

export interface CaseResult {
  fixture: FixtureCase;
  /** Which pass failed: 1 = first application, 2+ = replay. */
  pass?: number;
  diffs: TableDiff[];
  error?: string;
}

/** An empty SQLite database with the plan's tables, copied for each case (DDL once, not per case). */
export async function sqliteTemplate(plan: Plan): Promise<{ path: string; remove: () => void }> {
  const dir = mkdtempSync(join(tmpdir(), 'sc-template-'));
  const path = join(dir, 'template.db');
  await applyDdl(`sqlite:${path}`, [...plan.tables, ...engineTablesFor(plan)]);
  return { path, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Run one case on a copy of the SQLite template, or on `databaseUrl` (tables emptied first). */
export async function runCase(plan: Plan, fixture: FixtureCase, target: { template: string } | { databaseUrl: string }): Promise<CaseResult> {
  const dir = 'template' in target ? mkdtempSync(join(tmpdir(), 'sc-test-')) : undefined;
  const url = 'databaseUrl' in target ? target.databaseUrl : `sqlite:${join(dir as string, 'test.db')}`;
  let sink: Sink | undefined;
  try {
    if ('template' in target) copyFileSync(target.template, join(dir as string, 'test.db'));
    else {
      await applyDdl(url, [...plan.tables, ...engineTablesFor(plan)]);
      await truncate(url, plan);
    }
    sink = await openSink(url);
    const rec = recorder();
    const processors: Group[] = [];
    // A fixture's schemas: registry formats replay without a registry (one source for every group).
    const given = fixture.schemas;
    const schemas = given === undefined ? undefined : fileSchemas((id) => given.get(id), fixture.file);
    for (const g of plan.groups) {
      // HTTP outputs run for real (outbox, batches, bodies) against a recording transport and a test clock.
      processors.push(await assembleGroup(plan, g.group, { sink, deadLetters: TABLE_DEAD_LETTERS, log: silentLogger, outputs: { transport: rec.transport, clock: rec.clock, env: process.env, bounded: false }, ...(schemas !== undefined ? { schemas } : {}) }));
    }
    const flush = async () => {
      rec.clock.tick(1000);
      for (const p of processors) await p.outputs?.drain();
    };
    const messages = fixture.messages.map((line, i) => lineToMessage(line, i));
    let sentAfterFirst = 0;
    try {
      for (let pass = 1; pass <= 1 + fixture.replay; pass++) {
        // A replay is a redelivery at new offsets (a producer retry): only event ids protect it.
        const batch: RawMessage[] = messages.map((m) => ({ ...m, offset: m.offset + (pass - 1) * messages.length }));
        const parts: RawMessage[][] = [];
        let from = 0;
        for (const at of [...fixture.flushes, batch.length]) {
          parts.push(batch.slice(from, at));
          from = Math.max(from, at);
        }
        await drive(memorySource(parts, flush), processors, new AbortController().signal, { stopping: () => false });
        const diffs = await compareAll(url, plan, fixture, pass);
        const sent = [...rec.sent.values()].reduce((n, b) => n + b.length, 0);
        if (pass === 1) {
          sentAfterFirst = sent;
          if (fixture.sent !== undefined) diffs.push(...compareSent(fixture.sent, rec.sent));
        } else if (sent > sentAfterFirst) {
          diffs.push({ table: 'HTTP outputs', problems: [`the redelivery sent ${sent - sentAfterFirst} more request(s): nothing new should be sent`], missing: [], unexpected: [...rec.sent.values()].flat().slice(sentAfterFirst) as Row[] });
        }
        if (diffs.length > 0) return { fixture, pass, diffs };
      }
    } finally {
      for (const p of processors) await p.outputs?.stop();
    }
    return { fixture, diffs: [] };
  } catch (e) {
    return { fixture, diffs: [], error: e instanceof Error ? e.message : String(e) };
  } finally {
    await sink?.close();
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  }
}

async function compareAll(url: string, plan: Plan, fixture: FixtureCase, pass: number): Promise<TableDiff[]> {
  const db = openKnex(url);
  try {
    const diffs: TableDiff[] = [];
    for (const [name, expected] of Object.entries(fixture.expect)) {
      const table = plan.tables.find((t) => t.name === name);
      if (table === undefined) {
        diffs.push({ table: name, problems: [`no table ${name} in the specs`], missing: [], unexpected: [] });
        continue;
      }
      if (!Array.isArray(expected)) {
        // `{ count: N }`: only how many rows the table holds.
        const n = await countRows(db, name);
        if (n !== expected.count) diffs.push({ table: name, problems: [`expected ${expected.count} row(s), found ${n}`], missing: [], unexpected: [] });
        continue;
      }
      const actual = (await db(name).select('*').orderBy(table.key)) as Row[];
      const d = compareTable(table, name, expected, actual, fixture.ordered);
      if (d !== undefined) diffs.push(d);
    }
    if (fixture.deadLetters !== undefined) {
      const n = await countRows(db, 'sc_dead_letters');
      // A redelivered bad message is dead-lettered again: it is a new message at a new offset.
      const want = fixture.deadLetters * pass;
      if (n !== want) diffs.push({ table: 'dead letters', problems: [`expected ${want} dead letter(s), found ${n}`], missing: [], unexpected: [] });
    }
    return diffs;
  } finally {
    await db.destroy();
  }
}

async function countRows(db: Knex, table: string): Promise<number> {
  const [row] = (await db(table).count({ n: '*' })) as Array<{ n: number | string }>;
  return Number(row?.n ?? 0);
}

async function truncate(url: string, plan: Plan): Promise<void> {
  const db = openKnex(url);
  try {
    for (const t of [...plan.tables, ...engineTablesFor(plan)]) await db(t.name).delete();
  } finally {
    await db.destroy();
  }
}
