/**
 * Run generated or hand-written events through the real processor (plan → routes → GroupProcessor
 * → sink) on SQLite and MariaDB, and read the tables back in a form that compares across the two.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ColumnDef, Plan } from '../../src/compile/plan.js';
import { formatScaled, scaledDecimal } from '../../src/sql/numeric.js';
import { canonicalJson } from './model.js';
import { applyDdl } from '../../src/sql/apply.js';
import { ENGINE_TABLES } from '../../src/sql/engine-tables.js';
import { silentLogger } from '../../src/runtime/ops/log.js';
import type { RawMessage } from '../../src/runtime/apply/message.js';
import { GroupProcessor } from '../../src/runtime/commit/processor.js';
import { groupRoutes } from '../../src/runtime/apply/routes.js';
import { openSink } from '../../src/runtime/sinks/open.js';
import type { Sink } from '../../src/runtime/sinks/sink.js';
import { newStats, type GroupStats } from '../../src/runtime/ops/stats.js';
import { validatePaths } from '../../src/validate/index.js';
import { TABLE_DEAD_LETTERS } from '../../src/runtime/outputs/dead-letters/index.js';

/** The plan of one spec file's text; throws with the diagnostics when it does not validate. */
export function planOf(yaml: string): Plan {
  const dir = mkdtempSync(join(tmpdir(), 'sc-parity-spec-'));
  try {
    writeFileSync(join(dir, 'spec.yaml'), yaml);
    const v = validatePaths([dir]);
    if (v.plan === undefined) throw new Error(`spec does not validate:\n${v.diagnostics.map((d) => JSON.stringify(d)).join('\n')}\n${yaml}`);
    return v.plan;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function message(topic: string, offset: number, value: Buffer | string | object, key: string | null = null): RawMessage {
  const bytes = Buffer.isBuffer(value) ? value : Buffer.from(typeof value === 'string' ? value : JSON.stringify(value), 'utf8');
  return { topic, partition: 0, offset, key: key === null ? null : Buffer.from(key, 'utf8'), value: bytes };
}

/** Create the plan's tables at `url` and apply the messages in batches of `batch`; the groups' stats. */
export async function applyMessages(url: string, plan: Plan, messages: RawMessage[], batch = 100): Promise<GroupStats[]> {
  await applyDdl(url, [...plan.tables, ...ENGINE_TABLES]);
  const sink: Sink = await openSink(url);
  try {
    const out: GroupStats[] = [];
    for (const g of plan.groups) {
      const routes = groupRoutes(plan, g.group);
      const stats = newStats();
      const processor = new GroupProcessor({ sink, routes, deadLetters: TABLE_DEAD_LETTERS, stats, log: silentLogger, maxBatch: batch });
      const mine = messages.filter((m) => routes.accepts(m));
      for (let i = 0; i < mine.length; i += batch) await processor.process(mine.slice(i, i + batch));
      out.push(stats);
    }
    return out;
  } finally {
    await sink.close();
  }
}

/** A fresh SQLite file URL and its removal. */
export function sqliteFile(): { url: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'sc-parity-db-'));
  return { url: `sqlite:${join(dir, 'p.db')}`, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** One cell as read back: text, a number (SQLite REAL), a bigint (SQLite INTEGER, exact) or null. */
export type Cell = string | number | bigint | null;

/** Every row of `table` ordered by `orderBy`, read exactly: SQLite integers as bigint, MariaDB numbers as text. */
export async function readRows(url: string, table: string, orderBy: string[]): Promise<Array<Record<string, Cell>>> {
  if (url.startsWith('sqlite:')) {
    const { default: Database } = await import('better-sqlite3');
    const db = new Database(url.slice('sqlite:'.length), { readonly: true });
    try {
      const st = db.prepare(`SELECT * FROM "${table}" ORDER BY ${orderBy.map((c) => `"${c}"`).join(', ')}`);
      st.safeIntegers(true);
      return st.all() as Array<Record<string, Cell>>;
    } finally {
      db.close();
    }
  }
  const { default: mysql } = await import('mysql2/promise');
  const { credentials, parseDatabaseUrl, openKnex } = await import('../../src/sql/connection.js');
  const t = parseDatabaseUrl(url);
  if (t.kind === 'postgres') {
    // The engine's own connection, values as its sink reads them; COLLATE "C": byte for byte, as SQLite's BINARY.
    const k = openKnex(url);
    try {
      const r = (await k.raw(`SELECT * FROM "${table}" ORDER BY ${orderBy.map((col) => `"${col}" COLLATE "C"`).join(', ')}`)) as { rows: Array<Record<string, Cell>> };
      return r.rows;
    } finally {
      await k.destroy();
    }
  }
  if (t.kind !== 'mysql') throw new Error('not a mysql URL');
  const c = await mysql.createConnection({ host: t.host, port: t.port, ...credentials(t), database: t.database, charset: 'utf8mb4', timezone: 'Z', dateStrings: true, supportBigNumbers: true, bigNumberStrings: true, jsonStrings: true });
  try {
    // BINARY: the order of SQLite's default BINARY collation, byte for byte.
    const [rows] = await c.query(`SELECT * FROM \`${table}\` ORDER BY ${orderBy.map((col) => `BINARY \`${col}\``).join(', ')}`);
    return rows as Array<Record<string, Cell>>;
  } finally {
    await c.end();
  }
}

/**
 * Messages of one topic applied to a fresh SQLite file per `run` (the files removed by `cleanup`,
 * for an afterEach): the rows of `table` by `key`, and the dead letters' reasons by offset.
 */
export function sqliteRunner(plan: Plan, topic: string) {
  const files: Array<{ remove: () => void }> = [];
  return {
    msg: (offset: number, text: string, key: Buffer | null = null): RawMessage => ({ topic, partition: 0, offset, key, value: Buffer.from(text, 'utf8') }),
    async run(messages: RawMessage[], table: string, key: string): Promise<{ rows: Array<Record<string, Cell>>; dead: Map<number, string> }> {
      const f = sqliteFile();
      files.push(f);
      await applyMessages(f.url, plan, messages, 50);
      const rows = await readRows(f.url, table, [key]);
      const dead = new Map((await readRows(f.url, 'sc_dead_letters', ['dlq_id'])).map((r) => [Number(r.offset), String(r.reason)]));
      return { rows, dead };
    },
    cleanup(): void {
      for (const f of files.splice(0)) f.remove();
    },
  };
}

/** One cell in a form every database agrees on when they hold the same value (JSON canonically: jsonb reorders keys). */
function canonical(col: ColumnDef | undefined, v: Cell): string | null {
  if (v === null) return null;
  if (col?.type === 'decimal') {
    const scaled = scaledDecimal(typeof v === 'bigint' ? v.toString() : String(v), col.scale ?? 2);
    return scaled === undefined ? `?${String(v)}` : formatScaled(scaled, col.scale ?? 2);
  }
  if (col?.type === 'json') return canonicalJson(JSON.parse(String(v)));
  return typeof v === 'bigint' ? v.toString() : String(v);
}

export async function tableOf(url: string, plan: Plan, name: string): Promise<string[]> {
  const table = plan.tables.find((t) => t.name === name);
  if (table === undefined) throw new Error(`no table ${name}`);
  const rows = await readRows(url, name, table.key);
  return rows
    .map((r) => JSON.stringify(table.columns.map((c) => [c.name, canonical(c, r[c.name] ?? null)])))
    .sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
}

export async function engineState(url: string, group: string): Promise<{ ids: string[]; dead: string[] }> {
  const ids = (await readRows(url, 'sc_processed_events', ['consumer_group', 'event_id']))
    .filter((r) => r.consumer_group === group).map((r) => String(r.event_id)).sort();
  const dead = (await readRows(url, 'sc_dead_letters', ['dlq_id']))
    .filter((r) => r.consumer_group === group).map((r) => String(r.offset)).sort((a, b) => Number(a) - Number(b));
  return { ids, dead };
}
