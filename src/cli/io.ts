/** What a command prints and its exit code: commands return this so tests can call them directly. */
export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;
/**
 * `run --from` finished but not everything was applied: messages dead-lettered, operations missed
 * (on_missing: skip) or HTTP batches left undelivered. `--exit-zero` exits 0 instead.
 */
export const EXIT_INCOMPLETE = 3;

export function result(code: number, stdout = '', stderr = ''): CommandResult {
  return { code, stdout, stderr };
}
