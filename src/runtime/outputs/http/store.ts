/**
 * Statements on the HTTP outputs' engine tables (sql/engine-tables.ts), written once: what
 * differs by database (upserts, locking reads, bounded deletes) comes from its Dialect
 * (sql/dialects/). The outbox is only ever read by key, which is the sequence records were
 * consumed in, per partition.
 */
import type { SqlValue } from '../../../sql/coerce.js';
import type { SqlDialect } from '../../../sql/dialect.js';
import { dialectOf } from '../../../sql/dialects/index.js';
import type { Statement } from '../../../sql/statement.js';

export interface RecordRow {
  output: string;
  topic: string;
  partition: number;
  offset: number;
  seq: number;
  list: string;
  record: string;
  bytes: number;
}

export interface MessageRow {
  output: string;
  topic: string;
  partition: number;
  offset: number;
  group: string;
  key: string | null;
  value: string | null;
}

export interface BatchRow {
  output: string;
  batchId: string;
  body: string;
  records: number;
  /** JSON: [[topic, partition, offset], …] of the messages whose records the batch holds. */
  sources: string;
  at: string;
}

export type Source = [topic: string, partition: number, offset: number];

export function outboxSql(dialect: SqlDialect) {
  const d = dialectOf(dialect);
  const q = d.quote;
  const tuples = (n: number, width: number) => Array.from({ length: n }, () => `(${Array.from({ length: width }, () => '?').join(',')})`).join(',');
  const insert = (table: string, cols: string[], rows: SqlValue[][], ignore: boolean): Statement => {
    const head = `INSERT INTO ${q(table)} (${cols.map(q).join(',')}) VALUES ${tuples(rows.length, cols.length)}`;
    return { sql: ignore ? d.insertIgnore(head) : head, params: rows.flat() };
  };
  return {
    insertRecords(rows: RecordRow[]): Statement {
      return insert('sc_http_records', ['output', 'topic', 'partition', 'offset', 'seq', 'list', 'record', 'bytes'], rows.map((r) => [r.output, r.topic, r.partition, r.offset, r.seq, r.list, r.record, r.bytes]), false);
    },
    insertMessages(rows: MessageRow[]): Statement {
      return insert('sc_http_messages', ['output', 'topic', 'partition', 'offset', 'consumer_group', 'key_bytes', 'value_bytes'], rows.map((r) => [r.output, r.topic, r.partition, r.offset, r.group, r.key, r.value]), true);
    },
    /**
     * Hashes of `output` among `hashes` that have not expired at `now`. On MariaDB a locking read
     * (FOR UPDATE): two partitions' transactions checking the same new hash at once would both see
     * nothing in their snapshots and both append the records. Locking, the second waits for the
     * first's commit and then sees its hash, or both hold gap locks and one of the inserts fails
     * with a deadlock, which retries its whole batch (InnoDB locking reads:
     * https://mariadb.com/kb/en/select/#for-update). SQLite transactions take turns anyway.
     */
    selectHashes(output: string, hashes: string[], now: string): Statement {
      const sql = `SELECT ${q('hash')} AS hash FROM ${q('sc_http_content_hashes')} WHERE ${q('output')} = ? AND ${q('expires_at')} > ? AND ${q('hash')} IN (${hashes.map(() => '?').join(',')})`;
      return { sql: d.lockingRead(sql), params: [output, now, ...hashes] };
    },
    /**
     * Where the database needs it (PostgreSQL, which has no gap locks), locks on `output`'s
     * `hashes` held to the commit, taken before selectHashes: the second of two transactions
     * checking the same new hash waits for the first's commit and then finds it.
     */
    lockHashes(output: string, hashes: string[]): Statement | undefined {
      const sql = d.lockNames(hashes.length);
      return sql === undefined ? undefined : { sql, params: [...hashes].sort().map((h) => `sc-http-hash:${output}:${h}`) };
    },
    /** Remember hashes until `expires`; an expired one is renewed. */
    upsertHashes(output: string, hashes: string[], expires: string): Statement {
      const head = `INSERT INTO ${q('sc_http_content_hashes')} (${['output', 'hash', 'expires_at'].map(q).join(',')}) VALUES ${tuples(hashes.length, 3)}`;
      return { sql: d.upsert(head, ['output', 'hash'], [`${q('expires_at')} = ${d.excluded('expires_at')}`]), params: hashes.flatMap((h) => [output, h, expires]) };
    },
    pruneHashes(now: string, limit: number): Statement {
      return { sql: d.deleteLimited('sc_http_content_hashes', `${q('expires_at')} <= ?`, limit), params: [now] };
    },
    /** The first `limit` buffered records by key; locked on MySQL so two instances never cut the same records. */
    selectRecords(output: string, limit: number): Statement {
      const byKey = ['topic', 'partition', 'offset', 'seq'].map(q).join(',');
      return {
        sql: d.lockingRead(`SELECT ${q('topic')} AS topic, ${q('partition')} AS ${q('partition')}, ${q('offset')} AS ${q('offset')}, ${q('seq')} AS seq, ${q('list')} AS list, ${q('record')} AS record, ${q('bytes')} AS bytes FROM ${q('sc_http_records')} WHERE ${q('output')} = ? ORDER BY ${byKey} LIMIT ${limit}`),
        params: [output],
      };
    },
    /** Remove a partition's records up to (offset, seq): the prefix a batch took. */
    deleteRecordsUpTo(output: string, topic: string, partition: number, offset: number, seq: number): Statement {
      return {
        sql: `DELETE FROM ${q('sc_http_records')} WHERE ${q('output')} = ? AND ${q('topic')} = ? AND ${q('partition')} = ? AND (${q('offset')} < ? OR (${q('offset')} = ? AND ${q('seq')} <= ?))`,
        params: [output, topic, partition, offset, offset, seq],
      };
    },
    countRecords(output: string): Statement {
      return { sql: `SELECT ${q('list')} AS list, COUNT(*) AS n, COALESCE(SUM(${q('bytes')}), 0) AS bytes FROM ${q('sc_http_records')} WHERE ${q('output')} = ? GROUP BY ${q('list')}`, params: [output] };
    },
    insertBatch(b: BatchRow): Statement {
      return insert('sc_http_batches', ['output', 'batch_id', 'status', 'body', 'records', 'sources', 'attempts', 'created_at'], [[b.output, b.batchId, 'pending', b.body, b.records, b.sources, 0, b.at]], false);
    },
    /** The oldest undelivered batch. */
    selectPending(output: string): Statement {
      return {
        sql: `SELECT ${q('batch_id')} AS batch_id, ${q('body')} AS body, ${q('records')} AS records, ${q('sources')} AS sources, ${q('attempts')} AS attempts FROM ${q('sc_http_batches')} WHERE ${q('output')} = ? AND ${q('status')} = 'pending' ORDER BY ${q('created_at')}, ${q('batch_id')} LIMIT 1`,
        params: [output],
      };
    },
    countPending(output: string): Statement {
      return { sql: `SELECT COUNT(*) AS n, COALESCE(SUM(${q('records')}), 0) AS records FROM ${q('sc_http_batches')} WHERE ${q('output')} = ? AND ${q('status')} = 'pending'`, params: [output] };
    },
    attempted(output: string, batchId: string, attempts: number, status: number | null): Statement {
      return { sql: `UPDATE ${q('sc_http_batches')} SET ${q('attempts')} = ${q('attempts')} + ?, ${q('last_status')} = ? WHERE ${q('output')} = ? AND ${q('batch_id')} = ?`, params: [attempts, status, output, batchId] };
    },
    finish(output: string, batchId: string, status: 'delivered' | 'rejected', httpStatus: number, at: string): Statement {
      return { sql: `UPDATE ${q('sc_http_batches')} SET ${q('status')} = ?, ${q('last_status')} = ?, ${q('done_at')} = ? WHERE ${q('output')} = ? AND ${q('batch_id')} = ? AND ${q('status')} = 'pending'`, params: [status, httpStatus, at, output, batchId] };
    },
    pruneBatches(output: string, before: string, limit: number): Statement {
      return { sql: d.deleteLimited('sc_http_batches', `${q('output')} = ? AND ${q('status')} <> 'pending' AND ${q('done_at')} < ?`, limit), params: [output, before] };
    },
    selectMessages(output: string, topic: string, partition: number, offsets: number[]): Statement {
      return {
        sql: `SELECT ${q('offset')} AS ${q('offset')}, ${q('consumer_group')} AS consumer_group, ${q('key_bytes')} AS key_bytes, ${q('value_bytes')} AS value_bytes FROM ${q('sc_http_messages')} WHERE ${q('output')} = ? AND ${q('topic')} = ? AND ${q('partition')} = ? AND ${q('offset')} IN (${offsets.map(() => '?').join(',')})`,
        params: [output, topic, partition, ...offsets],
      };
    },
    /** Forget source messages none of whose records is still buffered. */
    deleteDoneMessages(output: string, topic: string, partition: number, offsets: number[]): Statement {
      const m = q('sc_http_messages');
      const r = q('sc_http_records');
      return {
        sql: `DELETE FROM ${m} WHERE ${q('output')} = ? AND ${q('topic')} = ? AND ${q('partition')} = ? AND ${q('offset')} IN (${offsets.map(() => '?').join(',')}) AND NOT EXISTS (SELECT 1 FROM ${r} WHERE ${r}.${q('output')} = ${m}.${q('output')} AND ${r}.${q('topic')} = ${m}.${q('topic')} AND ${r}.${q('partition')} = ${m}.${q('partition')} AND ${r}.${q('offset')} = ${m}.${q('offset')})`,
        params: [output, topic, partition, ...offsets],
      };
    },
  };
}

export type OutboxSql = ReturnType<typeof outboxSql>;

/** Sources grouped by (topic, partition), for the IN-list statements. */
export function byPartition(sources: Source[]): Array<{ topic: string; partition: number; offsets: number[] }> {
  const m = new Map<string, { topic: string; partition: number; offsets: number[] }>();
  for (const [topic, partition, offset] of sources) {
    const k = `${topic}\u0000${partition}`;
    const g = m.get(k) ?? { topic, partition, offsets: [] };
    g.offsets.push(offset);
    m.set(k, g);
  }
  return [...m.values()];
}
