/**
 * What PostgreSQL's and node-postgres' errors mean to the engine (runtime/commit/retry.ts asks
 * every dialect): the server or the connection unwell (transient: wait and retry the batch), or a
 * value of this batch the table rejects (data: bisect to the event at fault and dead-letter it).
 * undefined: not one of this driver's errors, or neither (the caller decides: fatal by default).
 * SQLSTATEs: https://www.postgresql.org/docs/15/errcodes-appendix.html.
 */
import type { DialectErrors } from '../../dialect.js';

const TRANSIENT_STATES = new Set([
  '40001', // serialization_failure
  '40P01', // deadlock_detected
  '55P03', // lock_not_available: lock_timeout, as MariaDB's lock wait timeout 1205
  '57014', // query_canceled (statement_timeout, pg_cancel_backend), as MariaDB's 1317
  '57P01', // admin_shutdown: the server is stopping or the session was terminated
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now: the server is starting or in recovery
  '53100', // disk_full: an outage to wait out, not an error of the data (as MariaDB's 1021)
  '53200', // out_of_memory
  '53300', // too_many_connections
]);

/** Classes whose every code is transient (08: connection exception) or of the data (22: data exception, 23: integrity constraint violation). */
const TRANSIENT_CLASSES = new Set(['08']);
const DATA_CLASSES = new Set(['22', '23']);

/**
 * node-postgres' DatabaseError: a server's error, with its SQLSTATE in `code` and a `severity`.
 * The check keeps other drivers' errors out (mysql2's codes are ER_*, SQLite's SQLITE_*).
 */
function sqlState(err: object): string | undefined {
  const e = err as { code?: unknown; severity?: unknown };
  return typeof e.code === 'string' && /^[0-9A-Z]{5}$/u.test(e.code) && typeof e.severity === 'string' ? e.code : undefined;
}

/**
 * node-postgres' own errors when the connection breaks carry no code: the server closed it
 * ("Connection terminated unexpectedly", "Connection terminated due to connection timeout"), or
 * a statement came after the server ended the session between two statements (a
 * pg_terminate_backend, a restart: pg/lib/client.js "Client has encountered a connection error
 * and is not queryable"; "Client was closed and is not queryable").
 */
function lostConnection(err: object): boolean {
  const e = err as { code?: unknown; message?: unknown };
  return e.code === undefined && typeof e.message === 'string' && /^(?:Connection terminated|Client (?:has encountered a connection error|was closed) and is not queryable)/u.test(e.message);
}

export const postgresErrors: DialectErrors = {
  classify(err) {
    const state = sqlState(err);
    if (state === undefined) return lostConnection(err) ? 'transient' : undefined;
    if (TRANSIENT_STATES.has(state) || TRANSIENT_CLASSES.has(state.slice(0, 2))) return 'transient';
    if (DATA_CLASSES.has(state.slice(0, 2))) return 'data';
    return undefined;
  },
  // 23505 unique_violation: a primary or unique key already taken.
  isDuplicateKey: (err) => sqlState(err) === '23505',
  // 42P01 undefined_table.
  isMissingTable: (err) => sqlState(err) === '42P01',
};
