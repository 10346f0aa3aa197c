/**
 * Read the spec's tables back from MariaDB, PostgreSQL or SQLite in the model's normalized form (see
 * model.ts), and diff two table sets with a short, readable report.
 */
import Database from 'better-sqlite3';
import mysql from 'mysql2/promise';
import { openKnex, parseDatabaseUrl } from '../../src/sql/connection.js';
import { canonicalJson, decimal, DECIMAL_COLUMNS, JSON_COLUMNS, sortTables, TABLE_KEYS, type Row, type Tables, type Value } from './model.js';

export async function readTables(databaseUrl: string, tables: string[] = Object.keys(TABLE_KEYS)): Promise<Tables> {
  const raw: Record<string, Array<Record<string, unknown>>> = {};
  const target = parseDatabaseUrl(databaseUrl);
  if (target.kind === 'mysql') {
    const c = await mysql.createConnection({ uri: databaseUrl, charset: 'utf8mb4', timezone: 'Z', dateStrings: true, supportBigNumbers: true, bigNumberStrings: true });
    try {
      for (const t of tables) raw[t] = (await c.query(`SELECT * FROM \`${t}\``))[0] as Array<Record<string, unknown>>;
    } finally {
      await c.end();
    }
  } else if (target.kind === 'postgres') {
    // The engine's own connection: values read back as its sink gives them (sql/dialects/postgres/values.ts).
    const k = openKnex(databaseUrl);
    try {
      for (const t of tables) raw[t] = ((await k.raw(`SELECT * FROM "${t}"`)) as { rows: Array<Record<string, unknown>> }).rows;
    } finally {
      await k.destroy();
    }
  } else {
    const db = new Database(target.filename, { readonly: true });
    try {
      for (const t of tables) raw[t] = db.prepare(`SELECT * FROM "${t}"`).all() as Array<Record<string, unknown>>;
    } finally {
      db.close();
    }
  }
  const out: Tables = {};
  for (const [t, rows] of Object.entries(raw)) out[t] = rows.map((r) => normalizeRow(t, r));
  return sortTables(out);
}

export function normalizeRow(table: string, r: Record<string, unknown>): Row {
  const out: Row = {};
  for (const [k, v] of Object.entries(r)) out[k] = normalize(`${table}.${k}`, v);
  return out;
}

function normalize(column: string, v: unknown): Value {
  if (v === null || v === undefined) return null;
  if (JSON_COLUMNS.has(column)) return canonicalJson(typeof v === 'string' ? JSON.parse(v) : v);
  if (DECIMAL_COLUMNS.has(column)) return decimal(v);
  if (typeof v === 'boolean') return v ? '1' : '0';
  if (typeof v === 'number' || typeof v === 'bigint') return String(v);
  if (Buffer.isBuffer(v)) return v.toString('utf8');
  if (v instanceof Date) return v.toISOString().replace('T', ' ').replace('Z', '');
  return String(v);
}

/** Differences between two table sets, at most `limit` lines; empty when equal. */
export function diffTables(expected: Tables, actual: Tables, limit = 25): string[] {
  const out: string[] = [];
  for (const table of new Set([...Object.keys(expected), ...Object.keys(actual)])) {
    const key = TABLE_KEYS[table] ?? [];
    const id = (r: Row) => key.map((k) => r[k]).join('|');
    const want = new Map((expected[table] ?? []).map((r) => [id(r), r]));
    const got = new Map((actual[table] ?? []).map((r) => [id(r), r]));
    if (want.size !== got.size) out.push(`${table}: ${want.size} rows expected, ${got.size} found`);
    for (const [k, w] of want) {
      const g = got.get(k);
      if (g === undefined) { out.push(`${table}[${k}]: missing ${JSON.stringify(w)}`); continue; }
      for (const col of new Set([...Object.keys(w), ...Object.keys(g)])) {
        if (w[col] !== g[col]) out.push(`${table}[${k}].${col}: expected ${JSON.stringify(w[col])}, got ${JSON.stringify(g[col])}`);
      }
    }
    for (const [k, g] of got) if (!want.has(k)) out.push(`${table}[${k}]: unexpected ${JSON.stringify(g)}`);
  }
  return out.length > limit ? [...out.slice(0, limit), `… and ${out.length - limit} more differences`] : out;
}

/** Rows per table, for logs. */
export function rowCounts(t: Tables): Record<string, number> {
  return Object.fromEntries(Object.entries(t).map(([k, v]) => [k, v.length]));
}
