/** `sc-project validate`: every located error of every spec, exit 1 when there is one. */
import { formatDiagnostics } from '../diagnostics.js';
import { validatePaths } from '../validate/index.js';
import { EXIT_FAILED, EXIT_OK, EXIT_USAGE, result, type CommandResult } from './io.js';

export interface ValidateOptions {
  config: string[];
  format: string;
}

export function validateCommand(opts: ValidateOptions): CommandResult {
  if (opts.format !== 'text' && opts.format !== 'json') return result(EXIT_USAGE, '', `--format must be text or json, got ${opts.format}\n`);
  const started = performance.now();
  const v = validatePaths(opts.config);
  const ms = Math.round(performance.now() - started);
  const failed = v.diagnostics.some((d) => d.severity === 'error');
  if (opts.format === 'json') {
    const body = JSON.parse(formatDiagnostics(v.diagnostics, 'json')) as unknown;
    return result(failed ? EXIT_FAILED : EXIT_OK, JSON.stringify({ ok: !failed, files: v.files, projections: v.projections, diagnostics: body }, null, 2) + '\n');
  }
  const summary = `${v.files.length} file(s), ${v.projections} projection(s), ${v.plan?.tables.length ?? v.tables} table(s) checked in ${ms} ms`;
  if (!failed) return result(EXIT_OK, (v.diagnostics.length ? formatDiagnostics(v.diagnostics, 'text') + '\n' : '') + `ok: ${summary}\n`);
  return result(EXIT_FAILED, formatDiagnostics(v.diagnostics, 'text') + `\n${summary}\n`);
}
