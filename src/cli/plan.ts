/** `sc-project plan`: the compiled plan as JSON, to see exactly what run will do. */
import { formatDiagnostics } from '../diagnostics.js';
import { validatePaths } from '../validate/index.js';
import { EXIT_FAILED, EXIT_OK, result, type CommandResult } from './io.js';

export function planCommand(opts: { config: string[] }): CommandResult {
  const v = validatePaths(opts.config);
  if (v.plan === undefined) return result(EXIT_FAILED, '', formatDiagnostics(v.diagnostics, 'text') + '\n');
  return result(EXIT_OK, JSON.stringify(v.plan, null, 2) + '\n');
}
