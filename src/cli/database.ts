/**
 * Which database a command works on. `run --from` and `rebuild --from` create the embedded
 * default, a SQLite file in the working directory; `status` and `cleanup` read the same file when
 * no database is given, so every command line the tool prints as advice works as printed there.
 */
import { existsSync, readFileSync } from 'node:fs';
import { hideSecret } from '../redact.js';

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

/**
 * The database URL with its secret kept out of the command line and the environment's plain
 * values, the way container secrets are handed over: `DATABASE_URL_FILE` (the whole URL in a file,
 * when neither --database-url nor DATABASE_URL is given) and, for a server URL without a password,
 * `DATABASE_PASSWORD_FILE` or `DATABASE_PASSWORD`. Whatever password the URL ends up with is
 * hidden from every output from then on (hideSecret), also where a driver quotes it raw.
 */
export function resolveDatabaseUrl(given: string | undefined, env: NodeJS.ProcessEnv, read: (path: string) => string = (p) => readFileSync(p, 'utf8')): { url: string | undefined } | { error: string } {
  // An empty DATABASE_URL (set but blank, as in many .env files) is none.
  let url = given === '' ? undefined : given;
  try {
    if (url === undefined && env.DATABASE_URL_FILE) url = read(env.DATABASE_URL_FILE).trim();
  } catch (e) {
    return { error: `DATABASE_URL_FILE: cannot read ${env.DATABASE_URL_FILE}${codeOf(e)}` };
  }
  if (url === undefined || !/^[a-z][a-z0-9+.-]*:\/\//iu.test(url)) return { url };
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    // The dialect's parser names the accepted forms.
    return { url };
  }
  if (parsed.password === '') {
    let password = env.DATABASE_PASSWORD;
    try {
      if (env.DATABASE_PASSWORD_FILE) password = read(env.DATABASE_PASSWORD_FILE).replace(/\r?\n$/u, '');
    } catch (e) {
      return { error: `DATABASE_PASSWORD_FILE: cannot read ${env.DATABASE_PASSWORD_FILE}${codeOf(e)}` };
    }
    if (password !== undefined && password !== '') {
      parsed.password = encodeURIComponent(password);
      url = parsed.toString();
    }
  }
  if (parsed.password !== '') hideSecret(decodeURIComponent(parsed.password));
  return { url };
}

function codeOf(e: unknown): string {
  const code = (e as { code?: unknown }).code;
  return typeof code === 'string' ? ` (${code})` : '';
}
