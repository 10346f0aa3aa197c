/**
 * Runs migrations (migrate.ts) against a database: reads the live schema, plans, and with
 * `apply` runs the safe statements in sequence. What is not safe is returned, never run.
 */
import type { TableDef } from '../compile/plan.js';
import { openKnex, parseDatabaseUrl } from './connection.js';
import { dialectOf } from './dialects/index.js';
import { introspect } from './introspect.js';
import { planMigrations, type Migration, type MigrationDialect } from './migrate.js';

export interface MigrationReport {
  dialect: MigrationDialect;
  /** Every change the specs need (safe and not). */
  migrations: Migration[];
  /** The safe changes run (with `apply`). */
  applied: Migration[];
  /** The changes left: a rebuild does them. */
  unsafe: Migration[];
}

export async function migrateDatabase(databaseUrl: string, tables: readonly TableDef[], o: { apply: boolean }): Promise<MigrationReport> {
  const dialect = parseDatabaseUrl(databaseUrl).kind;
  const db = openKnex(databaseUrl);
  try {
    const keyCollation = await dialectOf(dialect).keyCollation(db);
    const migrations = planMigrations(tables, await introspect(db, dialect), dialect, keyCollation);
    const applied: Migration[] = [];
    if (o.apply) {
      for (const m of migrations.filter((x) => x.safe)) {
        // Without bindings knex.raw sends the text unchanged (a `?` in a default stays a `?`).
        for (const sql of m.sql) await db.raw(sql);
        applied.push(m);
      }
    }
    return { dialect, migrations, applied, unsafe: migrations.filter((m) => !m.safe) };
  } finally {
    await db.destroy();
  }
}
