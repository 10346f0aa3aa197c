/**
 * What better-sqlite3's errors mean to the engine (runtime/commit/retry.ts asks every dialect):
 * the file busy, locked, full or failing (transient: wait and retry the batch), or a value of this
 * batch a constraint rejects (data: bisect and dead-letter). undefined: not one of these.
 * Codes: https://www.sqlite.org/rescode.html.
 */
import type { DialectErrors } from '../../dialect.js';

const TRANSIENT_CODES = new Set(['SQLITE_BUSY', 'SQLITE_LOCKED', 'SQLITE_FULL', 'SQLITE_IOERR', 'SQLITE_NOMEM']);

export const sqliteErrors: DialectErrors = {
  classify(err) {
    const code = (err as { code?: unknown }).code;
    if (typeof code !== 'string') return undefined;
    if (TRANSIENT_CODES.has(code)) return 'transient';
    if (/^SQLITE_CONSTRAINT|^SQLITE_MISMATCH|^SQLITE_TOOBIG/u.test(code)) return 'data';
    return undefined;
  },
  isDuplicateKey: (err) => (err as { code?: unknown }).code === 'SQLITE_CONSTRAINT_PRIMARYKEY',
  // SQLite has no code of its own for it: a generic SQLITE_ERROR whose message says so.
  isMissingTable: (err) => {
    const e = err as { code?: unknown; message?: unknown };
    return (e.code === undefined || e.code === 'SQLITE_ERROR') && typeof e.message === 'string' && /no such table/iu.test(e.message);
  },
};
