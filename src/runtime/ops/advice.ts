/**
 * Command lines the tool prints as advice ("drop them with sc-project cleanup p"), built so that
 * they work as printed where the command that prints them ran: they carry the `--from` file,
 * `--config` and a SQLite `--database-url` that command was given. A server URL is never printed
 * (it holds a password): such advice relies on DATABASE_URL, as the command that printed it may.
 * Where the advice needs something the printing command cannot know (the file a SQLite database
 * was built from, when `status` prints it), it says so in `<…>`: a template, not a command line.
 */

import { isSqliteUrl } from '../../sql/connection.js';

/** What the command printing the advice ran on. */
export interface AdviceContext {
  /** The NDJSON file(s) it read (`run --from`, `rebuild --from`), one after another. */
  from?: string | string[];
  /** `run --from … --source NAME`: a file run's named source, which a run of the same files needs again. */
  source?: string;
  /** Spec files or folders; the default `projections` is left out. */
  config?: string | string[];
  databaseUrl?: string;
  /** The printing command cannot know the history's source (status, ddl): a SQLite rebuild names `--from <…>`. */
  sourceUnknown?: boolean;
}

/** Mirrors cli/database.ts (runtime does not import the CLI). */
const EMBEDDED = 'sqlite:./sc-project.db';

type Command = 'rebuild' | 'cleanup' | 'run' | 'ddl';

/** `sc-project <command> <args…>` with the flags it needs in `ctx` to do what the advice says. */
export function advice(ctx: AdviceContext | undefined, command: Command, ...args: string[]): string {
  const c = ctx ?? {};
  const parts = ['sc-project', command, ...args.map(shellWord)];
  const configs = c.config === undefined ? [] : Array.isArray(c.config) ? c.config : [c.config];
  // cleanup reads no specs; the others take the same ones.
  if (command !== 'cleanup' && !(configs.length === 1 && configs[0] === 'projections')) for (const f of configs) parts.push('--config', shellWord(f));
  const readsHistory = command === 'rebuild' || command === 'run';
  if (readsHistory && c.from !== undefined) for (const f of Array.isArray(c.from) ? c.from : [c.from]) parts.push('--from', shellWord(f));
  if (command === 'run' && c.from !== undefined && c.source !== undefined) parts.push('--source', shellWord(c.source));
  const url = c.databaseUrl;
  const sqlite = url !== undefined && isSqliteUrl(url);
  if (readsHistory && c.from === undefined && c.sourceUnknown === true && sqlite) parts.push('--from', '<the NDJSON file it was built from>');
  if (url !== undefined && sqlite) {
    // The command's own default: the embedded file, for cleanup always and for run/rebuild with --from.
    const isDefault = url === EMBEDDED && (command === 'cleanup' || (readsHistory && c.from !== undefined));
    if (!isDefault) parts.push('--database-url', shellWord(url));
  }
  return parts.join(' ');
}

/** A word as a POSIX shell reads it back: plain when safe, else single-quoted. */
function shellWord(s: string): string {
  return /^[\w@%+=:,./-]+$/u.test(s) ? s : `'${s.replace(/'/gu, `'\\''`)}'`;
}
