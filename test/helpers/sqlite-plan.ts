/**
 * A spec validated and compiled, its tables and the engine's created in a fresh SQLite file, and a
 * sink open on it: the set-up of the processor's unit tests.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { expect } from 'vitest';
import type { Plan } from '../../src/compile/plan.js';
import { openSqliteSink } from '../../src/runtime/sinks/sqlite.js';
import type { Sink } from '../../src/runtime/sinks/sink.js';
import { parseSpecText } from '../../src/spec/load.js';
import { applyDdl } from '../../src/sql/apply.js';
import { ENGINE_TABLES } from '../../src/sql/engine-tables.js';
import { validateLoaded } from '../../src/validate/index.js';

export interface SqlitePlan {
  dir: string;
  /** The database file, to read back with better-sqlite3. */
  file: string;
  url: string;
  plan: Plan;
  sink: Sink;
  /** Close the sink and delete the folder. */
  close(): Promise<void>;
}

export async function sqlitePlan(spec: string, prefix: string): Promise<SqlitePlan> {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const file = join(dir, 'db.sqlite');
  const url = `sqlite:${file}`;
  const v = validateLoaded(parseSpecText('spec.yaml', spec));
  expect(v.diagnostics).toEqual([]);
  const plan = v.plan as Plan;
  await applyDdl(url, [...plan.tables, ...ENGINE_TABLES]);
  const sink = openSqliteSink(url);
  return {
    dir, file, url, plan, sink,
    async close() {
      await sink.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Every row of a table, ordered by its first column. */
export function readRows(file: string, table: string): Array<Record<string, unknown>> {
  const db = new Database(file, { readonly: true });
  try {
    return db.prepare(`SELECT * FROM "${table}" ORDER BY 1`).all() as Array<Record<string, unknown>>;
  } finally {
    db.close();
  }
}
