/**
 * Which database errors are worth retrying, and the backoff between tries.
 * - transient: the database or the connection is unwell (lost connection, deadlock, lock wait
 *   timeout, server shutting down); retry the whole batch after a pause, never skip it.
 * - data: this batch holds a value the table rejects (too long, out of range, wrong type); retrying
 *   cannot help, so the batch is split until the event at fault is found and dead-lettered.
 * - fatal: the schema or the permissions are wrong; stop rather than dead-letter every event.
 */
export type ErrorClass = 'transient' | 'data' | 'fatal';

const TRANSIENT_CODES = new Set([
  'PROTOCOL_CONNECTION_LOST', 'PROTOCOL_SEQUENCE_TIMEOUT', 'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE',
  'EHOSTUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'ER_LOCK_DEADLOCK', 'ER_LOCK_WAIT_TIMEOUT', 'ER_SERVER_SHUTDOWN',
  'ER_CON_COUNT_ERROR', 'ER_TOO_MANY_USER_CONNECTIONS', 'ER_QUERY_INTERRUPTED', 'ER_CONNECTION_KILLED',
  'SQLITE_BUSY', 'SQLITE_LOCKED', 'POOL_CLOSED', 'SQLITE_FULL', 'SQLITE_IOERR', 'SQLITE_NOMEM',
  'ER_RECORD_FILE_FULL', 'ER_DISK_FULL', 'ER_GET_ERRNO', 'ER_OUTOFMEMORY', 'ER_OUT_OF_RESOURCES',
  // Another consumer committed the same event ids first (a rebalance overlap): retry, and the
  // retry finds them processed.
  'SC_CLAIM_CONFLICT',
  // A rebuild's swap holds the partition's lock (sink.ts LockWaitError): wait for it like an outage.
  'SC_SWAP_LOCK_WAIT',
]);
// 1213 deadlock, 1205 lock wait timeout, 2006 gone away, 2013 lost during query, 1053 shutdown,
// 1927 connection killed, 1040 too many connections (https://mariadb.com/kb/en/mariadb-error-codes/).
// Disk full is an outage to wait out, not an error of the data: 1114 table is full
// (ER_RECORD_FILE_FULL), 1021 disk full, 1030 storage engine error (errno 28, no space left),
// 1026 error writing a file, 1037/1041 out of memory.
const TRANSIENT_ERRNOS = new Set([1213, 1205, 2006, 2013, 1053, 1927, 1040, 1317, 1114, 1021, 1030, 1026, 1037, 1041]);
// 1406 data too long, 1264 out of range, 1366/1292 incorrect value, 1048 NULL in NOT NULL,
// 3140 invalid JSON, 4025 CHECK constraint (MariaDB's JSON check), 1062 duplicate key, 1452/1451 foreign key,
// 1365 division by zero, 1690 value out of range in an expression, 1153 packet bigger than
// max_allowed_packet (statements are split by bytes; one event alone that big is its own fault),
// 3143/4038/4042 invalid JSON path or text in a JSON function.
const DATA_ERRNOS = new Set([1406, 1264, 1366, 1292, 1048, 3140, 4025, 1062, 1452, 1451, 1365, 1690, 1265, 1411, 1153, 1301, 3143, 4038, 4042]);

export function classify(err: unknown): ErrorClass {
  const e = err as { code?: unknown; errno?: unknown; fatal?: unknown; message?: unknown };
  // The server drops the connection after refusing an oversize packet: the error is marked fatal
  // for the connection, but it is the statement's size, not an outage.
  if (e?.errno === 1153 || e?.code === 'ER_NET_PACKET_TOO_LARGE') return 'data';
  if (typeof e?.code === 'string' && TRANSIENT_CODES.has(e.code)) return 'transient';
  if (typeof e?.errno === 'number' && TRANSIENT_ERRNOS.has(e.errno)) return 'transient';
  // mysql2 marks errors that broke the connection as fatal; the pool gives a new one next time.
  if (e?.fatal === true) return 'transient';
  // kafkajs marks the errors worth retrying (src/errors.js `retriable`).
  if ((e as { retriable?: unknown })?.retriable === true) return 'transient';
  if (typeof e?.errno === 'number' && DATA_ERRNOS.has(e.errno)) return 'data';
  if (typeof e?.code === 'string' && /^SQLITE_CONSTRAINT|^SQLITE_MISMATCH|^SQLITE_TOOBIG/.test(e.code)) return 'data';
  // An exact sum that does not fit its column (sql/numeric.ts), MariaDB's 1264 on SQLite.
  if (e?.code === 'SC_OUT_OF_RANGE') return 'data';
  if (typeof e?.message === 'string' && /malformed JSON|bad JSON path|JSON path/i.test(e.message)) return 'data';
  return 'fatal';
}

/** MySQL 1062 ER_DUP_ENTRY, SQLite SQLITE_CONSTRAINT_PRIMARYKEY. */
export function isDuplicateKey(e: unknown): boolean {
  const x = e as { errno?: unknown; code?: unknown };
  return x?.errno === 1062 || x?.code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}

export interface Backoff {
  initialMs: number;
  maxMs: number;
}

export const DEFAULT_BACKOFF: Backoff = { initialMs: 200, maxMs: 30_000 };

/** Exponential backoff with full jitter (delay is uniform in [0, min(max, initial·2^attempt)]). */
export function backoffDelay(attempt: number, b: Backoff = DEFAULT_BACKOFF, random: () => number = Math.random): number {
  const ceiling = Math.min(b.maxMs, b.initialMs * 2 ** Math.min(attempt, 20));
  return Math.max(b.initialMs / 2, Math.round(random() * ceiling));
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
