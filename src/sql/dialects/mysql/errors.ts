/**
 * What MariaDB's and mysql2's errors mean to the engine (runtime/commit/retry.ts asks every
 * dialect): the server or the connection unwell (transient: wait and retry the batch), or a value
 * of this batch the table rejects (data: bisect to the event at fault and dead-letter it).
 * undefined: not one of this driver's errors, or neither (the caller decides: fatal by default).
 * Codes: https://mariadb.com/kb/en/mariadb-error-codes/.
 */
import type { DialectErrors } from '../../dialect.js';

const TRANSIENT_CODES = new Set([
  'PROTOCOL_CONNECTION_LOST', 'PROTOCOL_SEQUENCE_TIMEOUT', 'ER_LOCK_DEADLOCK', 'ER_LOCK_WAIT_TIMEOUT', 'ER_SERVER_SHUTDOWN',
  'ER_CON_COUNT_ERROR', 'ER_TOO_MANY_USER_CONNECTIONS', 'ER_QUERY_INTERRUPTED', 'ER_CONNECTION_KILLED',
  'ER_RECORD_FILE_FULL', 'ER_DISK_FULL', 'ER_GET_ERRNO', 'ER_OUTOFMEMORY', 'ER_OUT_OF_RESOURCES',
]);
// 1213 deadlock, 1205 lock wait timeout, 2006 gone away, 2013 lost during query, 1053 shutdown,
// 1927 connection killed, 1040 too many connections, 1317 query interrupted.
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

export const mysqlErrors: DialectErrors = {
  classify(err) {
    const e = err as { code?: unknown; errno?: unknown; fatal?: unknown };
    // The server drops the connection after refusing an oversize packet: the error is marked fatal
    // for the connection, but it is the statement's size, not an outage.
    if (e.errno === 1153 || e.code === 'ER_NET_PACKET_TOO_LARGE') return 'data';
    if (typeof e.code === 'string' && TRANSIENT_CODES.has(e.code)) return 'transient';
    if (typeof e.errno === 'number' && TRANSIENT_ERRNOS.has(e.errno)) return 'transient';
    // mysql2 marks errors that broke the connection as fatal; the pool gives a new one next time.
    if (e.fatal === true) return 'transient';
    if (typeof e.errno === 'number' && DATA_ERRNOS.has(e.errno)) return 'data';
    return undefined;
  },
  // 1062 ER_DUP_ENTRY.
  isDuplicateKey: (err) => (err as { errno?: unknown }).errno === 1062,
  // 1146 ER_NO_SUCH_TABLE.
  isMissingTable: (err) => (err as { errno?: unknown }).errno === 1146,
};
