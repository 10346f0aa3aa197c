/**
 * What `run` does to the schema before consuming: create what is missing (with `migrate`, also run
 * the safe migrations), then compare each projection's stored spec fingerprint with the specs and
 * say what changed and what to do: `ddl --apply`/`run --migrate` for additive schema changes,
 * `sc-project rebuild <projection>` for handler changes (a backfill) and incompatible ones.
 */
import type { Plan } from '../../compile/plan.js';
import { applyDdl } from '../../sql/apply.js';
import { engineTablesFor } from '../../sql/engine-tables.js';
import { migrateDatabase } from '../../sql/migrate-run.js';
import { advice, type AdviceContext } from '../ops/advice.js';
import type { Logger } from '../ops/log.js';
import { recordFingerprints, specStatus } from './fingerprints.js';

export interface SchemaOptions {
  /** Run the safe migrations (add columns and indexes, widen). */
  migrate: boolean;
  /** Record the specs' fingerprints even where a rebuild is advised (the history stays as it is). */
  acceptSpec: boolean;
  /** Where the run reads and writes: the remedies it logs are command lines that work there. */
  advice?: AdviceContext;
}

export async function prepareSchema(databaseUrl: string, plan: Plan, log: Logger, o: SchemaOptions): Promise<void> {
  const tables = [...plan.tables, ...engineTablesFor(plan)];
  const drifted = new Set<string>();
  if (o.migrate) {
    const report = await migrateDatabase(databaseUrl, tables, { apply: true });
    for (const m of report.applied) log.info(m.kind === 'create table' ? 'created table' : 'migrated', { table: m.table, ...(m.column !== undefined ? { column: m.column } : {}), change: m.kind, detail: m.detail });
    for (const m of report.unsafe) {
      drifted.add(m.table);
      const owner = plan.projections.find((p) => p.tables.includes(m.table))?.name ?? '<projection>';
      log.warn('table differs from spec and no ALTER does it safely (not changed)', { table: m.table, ...(m.column !== undefined ? { column: m.column } : {}), change: m.kind, detail: m.detail, remedy: advice(o.advice, 'rebuild', owner) });
    }
  } else {
    // The engine's own tables always get their additive changes (a column with a default, an
    // index: engine-tables.ts), so that a database an older version made keeps working; the
    // specs' tables are the operator's to migrate.
    const engine = await migrateDatabase(databaseUrl, engineTablesFor(plan), { apply: true });
    for (const m of engine.applied) log.info(m.kind === 'create table' ? 'created table' : 'migrated', { table: m.table, ...(m.column !== undefined ? { column: m.column } : {}), change: m.kind, detail: m.detail });
    for (const m of engine.unsafe) log.warn('engine table differs and no ALTER does it safely (not changed)', { table: m.table, ...(m.column !== undefined ? { column: m.column } : {}), change: m.kind, detail: m.detail });
    const report = await applyDdl(databaseUrl, plan.tables);
    for (const t of report.created) log.info('created table', { table: t });
    for (const w of report.warnings) log.warn(w);
    for (const d of report.differences) {
      drifted.add(d.table);
      log.warn('table differs from spec (not changed)', { table: d.table, column: d.column, expected: d.expected, actual: d.actual, remedy: `${advice(o.advice, 'ddl', '--diff')} shows the ALTER statements; ${advice(o.advice, 'run', '--migrate')} runs the safe ones` });
    }
  }
  const record: string[] = [];
  for (const s of await specStatus(databaseUrl, plan)) {
    const p = plan.projections.find((x) => x.name === s.projection);
    const clean = p !== undefined && p.tables.every((t) => !drifted.has(t));
    if (s.stored === null) {
      record.push(s.projection);
      continue;
    }
    if (s.remedy === 'none') continue;
    const fields = { projection: s.projection, stored: s.stored, current: s.current, changes: s.changes.join('; ') };
    if (s.remedy === 'migrate') {
      if (clean) {
        log.info('spec changed; the tables were migrated to it', fields);
        record.push(s.projection);
      } else log.warn('spec changed since the tables were built: additive schema changes', { ...fields, remedy: `${advice(o.advice, 'run', '--migrate')} (or ${advice(o.advice, 'ddl', '--apply')})` });
      continue;
    }
    log.warn('spec changed since the tables were built: history must be re-applied', { ...fields, remedy: `${advice(o.advice, 'rebuild', s.projection)} (or ${advice(o.advice, 'run', '--accept-spec')} to keep the tables as they are)` });
    if (o.acceptSpec) record.push(s.projection);
  }
  if (record.length > 0) await recordFingerprints(databaseUrl, plan, record);
}
