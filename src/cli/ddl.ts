/** `sc-project ddl`: the schema the specs need, printed or applied (create what is missing, never drop). */
import { formatDiagnostics } from '../diagnostics.js';
import { applyDdl } from '../sql/apply.js';
import { ddlScript, type Dialect } from '../sql/ddl.js';
import { engineTablesFor } from '../sql/engine-tables.js';
import { validatePaths } from '../validate/index.js';
import { EXIT_FAILED, EXIT_OK, EXIT_USAGE, result, type CommandResult } from './io.js';

export interface DdlOptions {
  config: string[];
  dialect: string;
  apply?: boolean;
  databaseUrl?: string;
  engineTables?: boolean;
}

const DIALECTS: Dialect[] = ['mysql', 'postgres', 'sqlite'];

export async function ddlCommand(opts: DdlOptions): Promise<CommandResult> {
  if (!DIALECTS.includes(opts.dialect as Dialect)) return result(EXIT_USAGE, '', `--dialect must be one of ${DIALECTS.join(', ')}, got ${opts.dialect}\n`);
  const v = validatePaths(opts.config);
  if (v.plan === undefined) return result(EXIT_FAILED, '', formatDiagnostics(v.diagnostics, 'text') + '\n');
  const tables = opts.engineTables === false ? v.plan.tables : [...v.plan.tables, ...engineTablesFor(v.plan)];
  if (!opts.apply) return result(EXIT_OK, ddlScript(tables, opts.dialect as Dialect) + '\n');
  if (opts.databaseUrl === undefined) return result(EXIT_USAGE, '', '--apply needs --database-url or DATABASE_URL\n');
  let report: Awaited<ReturnType<typeof applyDdl>>;
  try {
    report = await applyDdl(opts.databaseUrl, tables);
  } catch (e) {
    // A refused statement or an unreachable database is the operator's to fix: say what, not a stack.
    return result(EXIT_FAILED, '', `ddl --apply failed: ${e instanceof Error ? e.message : String(e)}\n`);
  }
  const lines = [
    ...report.created.map((t) => `created table ${t}`),
    ...report.indexesCreated.map((i) => `created index ${i}`),
    ...report.warnings.map((w) => `warning: ${w}`),
    ...report.differences.map((d) => `differs: ${d.table}.${d.column}: spec wants ${d.expected}, database has ${d.actual}`),
    `${report.created.length} table(s) created, ${report.indexesCreated.length} index(es) created, ${report.unchanged.length} unchanged, ${report.differences.length} difference(s)`,
  ];
  return result(EXIT_OK, lines.join('\n') + '\n');
}
