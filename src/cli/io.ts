/** What a command prints and its exit code: commands return this so tests can call them directly. */
export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;

export function result(code: number, stdout = '', stderr = ''): CommandResult {
  return { code, stdout, stderr };
}
