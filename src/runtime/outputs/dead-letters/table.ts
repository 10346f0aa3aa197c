/**
 * Dead letters as rows of sc_dead_letters: written in the transaction of the batch that moves
 * past their messages, so a letter commits exactly once with it and nothing is sent before.
 * The default wherever there is no Kafka producer (a file run, a rebuild's shadow, `sc-project
 * test`); the tests that build a processor use it too.
 */
import { createHash } from 'node:crypto';
import { redactUrls } from '../../../redact.js';
import type { DeadLetterRow } from '../../../sql/engine-sql.js';
import { sqlNow } from '../../../sql/engine-sql.js';
import { chunks, chunksBy } from '../../../sql/fold.js';
import type { Sink, Tx } from '../../sinks/sink.js';
import { headersJson } from './headers-json.js';
import { cutText, HEADER_MAX_BYTES, type DeadLetter, type DeadLetterSink } from './sink.js';

/** Bytes the reason of a sc_dead_letters row may take (a TEXT column holds 65,535). */
export const ROW_REASON_MAX_BYTES = 16_384;
/** Rows per INSERT at most (as many as an id claim takes: commit/claims.ts ID_CHUNK). */
const ROWS_PER_INSERT = 1000;
/** Room kept in a statement for the SQL around a letter's values. */
const STATEMENT_ROOM = 4096;

export const TABLE_DEAD_LETTERS: DeadLetterSink = Object.freeze({
  // Nothing leaves before the transaction: the rows are written in it.
  send: async () => undefined,
  write: writeDeadLetterRows,
});

/**
 * The letters' rows, each cut to fit one statement under the database's limit, in INSERTs that
 * each fit it too.
 */
async function writeDeadLetterRows(tx: Tx, sink: Sink, letters: DeadLetter[]): Promise<void> {
  const limit = sink.maxStatementBytes;
  const rows = letters.map((d) => fittedDeadLetterRow(d, limit === undefined ? undefined : limit - STATEMENT_ROOM));
  for (const part of chunks(rows, ROWS_PER_INSERT)) {
    for (const run of limit === undefined ? [part] : chunksBy(part, deadLetterRowBytes, limit)) await tx.exec(sink.engine.insertDeadLetters(run));
  }
}

/** The sc_dead_letters row of a letter, whole. */
export function deadLetterRow(d: DeadLetter): DeadLetterRow {
  return fittedDeadLetterRow(d, undefined);
}

/**
 * The sc_dead_letters row of a letter; with `maxValueBytes` (the database's statement limit) a
 * value too large for one statement (base64 included) is cut to its first bytes, and the reason says so.
 */
export function fittedDeadLetterRow(d: DeadLetter, maxValueBytes: number | undefined): DeadLetterRow {
  const id = createHash('sha256').update(`${d.group}:${d.msg.topic}:${d.msg.partition}:${d.msg.offset}:${d.projection ?? ''}`).digest('hex').slice(0, 64);
  let value = d.msg.value;
  let reason = rowReason(d);
  let headers = headersJson(d.msg.headers);
  // Headers share the statement with the value; ones taking half of it or more are left out
  // (a value cut to make room would be a letter that cannot replay either way).
  if (headers !== null && maxValueBytes !== undefined && headers.length * 3 >= maxValueBytes / 2) {
    reason += ` [headers left out: ${Buffer.byteLength(headers)} bytes, more than the database accepts in one statement with the value]`;
    headers = null;
  }
  const room = maxValueBytes === undefined ? undefined : maxValueBytes - (headers === null ? 0 : headers.length * 3);
  // base64 takes 4 bytes for every 3.
  const keep = room === undefined ? undefined : Math.floor((room * 3) / 4);
  if (value !== null && keep !== undefined && value.length > keep) {
    reason += ` [value cut: kept the first ${keep} of ${value.length} bytes, more than the database accepts in one statement]`;
    value = value.subarray(0, keep);
  }
  return {
    id, topic: d.msg.topic, partition: d.msg.partition, offset: d.msg.offset, group: d.group,
    projection: d.projection, reason,
    key: d.msg.key === null ? null : d.msg.key.subarray(0, 1024).toString('base64'),
    value: value === null ? null : value.toString('base64'),
    at: sqlNow(),
    headers,
  };
}

/** The reason a row keeps: the event type first where it is known, cut to fit the column. */
export function rowReason(d: Pick<DeadLetter, 'eventType' | 'reason'>): string {
  // Secrets never stored with a letter: a reason may quote a driver's message or the input.
  return cutText(redactUrls(d.eventType ? `${cutText(d.eventType, HEADER_MAX_BYTES)}: ${d.reason}` : d.reason), ROW_REASON_MAX_BYTES);
}

/** Rough bytes of a dead-letter row in a statement, to keep INSERTs under the database's limit. */
export function deadLetterRowBytes(r: DeadLetterRow): number {
  return 512 + (r.value?.length ?? 0) + (r.key?.length ?? 0) + (r.headers?.length ?? 0) * 6 + r.reason.length * 6 + (r.projection?.length ?? 0) + r.topic.length + r.group.length;
}
