/**
 * `sc-project ddl`: the schema the specs need, printed; `--diff`: the changes a database needs;
 * `--apply`: run the safe ones (exit 1 when changes that need a rebuild are left).
 */
import { formatDiagnostics } from '../diagnostics.js';
import { ddlScript, type Dialect } from '../sql/ddl.js';
import { engineTablesFor } from '../sql/engine-tables.js';
import { formatMigrations } from '../sql/migrate.js';
import { advice } from '../runtime/ops/advice.js';
import { migrateDatabase, type MigrationReport } from '../sql/migrate-run.js';
import { validatePaths } from '../validate/index.js';
import { EXIT_FAILED, EXIT_OK, EXIT_USAGE, result, type CommandResult } from './io.js';

export interface DdlOptions {
  config: string[];
  dialect: string;
  apply?: boolean;
  /** Print the statements that would bring the database to the specs (changes nothing). */
  diff?: boolean;
  databaseUrl?: string;
  engineTables?: boolean;
}

const DIALECTS: Dialect[] = ['mysql', 'postgres', 'sqlite'];

export async function ddlCommand(opts: DdlOptions): Promise<CommandResult> {
  if (!DIALECTS.includes(opts.dialect as Dialect)) return result(EXIT_USAGE, '', `--dialect must be one of ${DIALECTS.join(', ')}, got ${opts.dialect}\n`);
  const v = validatePaths(opts.config);
  if (v.plan === undefined) return result(EXIT_FAILED, '', formatDiagnostics(v.diagnostics, 'text') + '\n');
  const tables = opts.engineTables === false ? v.plan.tables : [...v.plan.tables, ...engineTablesFor(v.plan)];
  if (!opts.apply && !opts.diff) return result(EXIT_OK, ddlScript(tables, opts.dialect as Dialect) + '\n');
  if (opts.databaseUrl === undefined) return result(EXIT_USAGE, '', `${opts.apply ? '--apply' : '--diff'} needs --database-url or DATABASE_URL\n`);
  let report: MigrationReport;
  try {
    report = await migrateDatabase(opts.databaseUrl, tables, { apply: opts.apply === true });
  } catch (e) {
    // A refused statement or an unreachable database is the operator's to fix: say what, not a stack.
    return result(EXIT_FAILED, '', `ddl ${opts.apply ? '--apply' : '--diff'} failed: ${e instanceof Error ? e.message : String(e)}\n`);
  }
  const owner = (table: string) => v.plan?.projections.find((p) => p.tables.includes(table))?.name;
  const url = opts.databaseUrl;
  const rebuild = (p: string) => advice({ config: opts.config, databaseUrl: url, sourceUnknown: true }, 'rebuild', p);
  if (!opts.apply) {
    // Like diff(1): 0 when the database already is what the specs say, 1 when something differs.
    return result(report.migrations.length === 0 ? EXIT_OK : EXIT_FAILED, formatMigrations(report.migrations, report.dialect, owner, rebuild));
  }
  const lines = report.applied.flatMap((m) => [`-- applied: ${m.table}${m.column !== undefined ? `.${m.column}` : ''}: ${m.kind}, ${m.detail}`, ...m.sql.map((x) => `${x};`)]);
  lines.push(`${report.applied.length} change(s) applied, ${report.unsafe.length} left that need(s) a rebuild`);
  if (report.unsafe.length === 0) return result(EXIT_OK, lines.join('\n') + '\n');
  // Drift that --apply leaves is an error: the tables are not what the specs say.
  return result(EXIT_FAILED, lines.join('\n') + '\n', formatMigrations(report.unsafe, report.dialect, owner, rebuild));
}
