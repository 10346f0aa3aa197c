/**
 * Which database a command works on. `run --from` and `rebuild --from` create the embedded
 * default, a SQLite file in the working directory; `status` and `cleanup` read the same file when
 * no database is given, so every command line the tool prints as advice works as printed there.
 */
import { existsSync } from 'node:fs';

export const EMBEDDED_DATABASE_URL = 'sqlite:./sc-project.db';
const EMBEDDED_FILE = './sc-project.db';

/**
 * For a command that reads what a run made: the given URL (flag or DATABASE_URL), else the
 * embedded default when its file exists here (opening it would create an empty one).
 */
export function existingDatabase(given: string | undefined): { url: string } | { error: string } {
  if (given !== undefined) return { url: given };
  if (existsSync(EMBEDDED_FILE)) return { url: EMBEDDED_DATABASE_URL };
  return { error: `no database: ${EMBEDDED_DATABASE_URL} (the default) does not exist here; run sc-project run --from <file.ndjson> first, or give --database-url or DATABASE_URL` };
}
