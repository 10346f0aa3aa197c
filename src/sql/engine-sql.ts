/**
 * The engine's own statements: processed event ids, consumer positions and dead letters,
 * written once; what differs by database comes from its Dialect (sql/dialects/). Positions only
 * move forward (Dialect.greatest), so a consumer that lost its partition in a rebalance can
 * never move a position back.
 */
import type { SqlValue } from './coerce.js';
import type { SqlDialect } from './dialect.js';
import { dialectOf } from './dialects/index.js';
import type { Statement } from './statement.js';

export type { SqlDialect } from './dialect.js';

export interface ProcessedRow {
  group: string;
  eventId: string;
  entityId: string | null;
  entityVersion: number | null;
  eventType: string;
  at: string;
}

export interface PositionRow {
  group: string;
  topic: string;
  partition: number;
  nextOffset: number;
  at: string;
}

/** A file source's record (engine-tables.ts `sc_sources`). */
export interface SourceRow {
  group: string;
  kind: string;
  lines: number;
  bytes: number;
  sha256: string;
  at: string;
}

export interface DeadLetterRow {
  id: string;
  topic: string;
  partition: number;
  offset: number;
  group: string;
  projection: string | null;
  reason: string;
  key: string | null;
  value: string | null;
  at: string;
  /** The record's headers as JSON text (outputs/dead-letters/headers-json.ts); null or absent for none. */
  headers?: string | null;
}

export function engineSql(dialect: SqlDialect) {
  const d = dialectOf(dialect);
  const q = d.quote;
  // `n` tuples of `width` placeholders; one string repeat, not an array per tuple (a claim has up to 1,000).
  const tuples = (n: number, width: number) => {
    const tuple = `(${'?,'.repeat(width - 1)}?)`;
    return n <= 0 ? '' : tuple + `,${tuple}`.repeat(n - 1);
  };
  return {
    selectProcessed(group: string, ids: string[]): Statement {
      return {
        sql: `SELECT ${q('event_id')} AS event_id FROM ${q('sc_processed_events')} WHERE ${q('consumer_group')} = ? AND ${q('event_id')} IN (${ids.map(() => '?').join(',')})`,
        params: [group, ...ids],
      };
    },
    /**
     * Record the ids and return those that were new, in one round trip: MariaDB 10.5+
     * (INSERT IGNORE … RETURNING) and SQLite 3.35+ (ON CONFLICT DO NOTHING RETURNING) return
     * only the rows they inserted. A concurrent consumer's uncommitted claim of an id makes this
     * wait for it: committed, the id is not returned (it applied the event); rolled back, it is.
     * The caller guarantees the values fit their columns (IGNORE would truncate instead).
     */
    claimProcessed(rows: ProcessedRow[]): Statement {
      const ins = this.insertProcessed(rows);
      return { sql: `${d.insertIgnore(ins.sql)} RETURNING ${q('event_id')} AS event_id`, params: ins.params };
    },
    insertProcessed(rows: ProcessedRow[]): Statement {
      const cols = ['consumer_group', 'event_id', 'entity_id', 'entity_version', 'event_type', 'processed_at'];
      const params: SqlValue[] = new Array<SqlValue>(rows.length * cols.length);
      let i = 0;
      for (const r of rows) {
        params[i++] = r.group;
        params[i++] = r.eventId;
        params[i++] = r.entityId;
        params[i++] = r.entityVersion;
        params[i++] = r.eventType;
        params[i++] = r.at;
      }
      // A plain INSERT: a duplicate means another consumer applied these events concurrently,
      // and the error rolls this transaction back (the retry then finds them processed).
      return { sql: `INSERT INTO ${q('sc_processed_events')} (${cols.map(q).join(',')}) VALUES ${tuples(rows.length, cols.length)}`, params };
    },
    upsertPositions(rows: PositionRow[]): Statement {
      const cols = ['consumer_group', 'topic', 'partition', 'next_offset', 'updated_at'];
      const params: SqlValue[] = rows.flatMap((r) => [r.group, r.topic, r.partition, r.nextOffset, r.at]);
      const head = `INSERT INTO ${q('sc_consumer_positions')} (${cols.map(q).join(',')}) VALUES ${tuples(rows.length, cols.length)}`;
      const sql = d.upsert(head, ['consumer_group', 'topic', 'partition'], [
        `${q('next_offset')} = ${d.greatest(d.stored('sc_consumer_positions', 'next_offset'), d.excluded('next_offset'))}`,
        `${q('updated_at')} = ${d.excluded('updated_at')}`,
      ]);
      return { sql, params };
    },
    /**
     * Move one partition's position from the value the caller last read to `row.nextOffset`. It
     * changes one row exactly when the stored value still is `expected`: zero rows means the
     * positions changed under the caller (another member, a database restored or replaced), and
     * the caller must roll back and reload instead of trusting its cache.
     */
    movePosition(row: PositionRow, expected: number): Statement {
      return {
        sql: `UPDATE ${q('sc_consumer_positions')} SET ${q('next_offset')} = ?, ${q('updated_at')} = ? WHERE ${q('consumer_group')} = ? AND ${q('topic')} = ? AND ${q('partition')} = ? AND ${q('next_offset')} = ?`,
        params: [row.nextOffset, row.at, row.group, row.topic, row.partition, expected],
      };
    },
    /** A partition's first position: a duplicate key means another writer stored one meanwhile. */
    insertPosition(row: PositionRow): Statement {
      const cols = ['consumer_group', 'topic', 'partition', 'next_offset', 'updated_at'];
      return { sql: `INSERT INTO ${q('sc_consumer_positions')} (${cols.map(q).join(',')}) VALUES ${tuples(1, cols.length)}`, params: [row.group, row.topic, row.partition, row.nextOffset, row.at] };
    },
    selectPositions(group: string): Statement {
      return {
        sql: `SELECT ${q('topic')} AS topic, ${q('partition')} AS ${q('partition')}, ${q('next_offset')} AS next_offset FROM ${q('sc_consumer_positions')} WHERE ${q('consumer_group')} = ?`,
        params: [group],
      };
    },
    selectSource(group: string): Statement {
      return {
        sql: `SELECT ${q('kind')} AS kind, ${q('lines')} AS ${q('lines')}, ${q('bytes')} AS ${q('bytes')}, ${q('sha256')} AS sha256 FROM ${q('sc_sources')} WHERE ${q('consumer_group')} = ?`,
        params: [group],
      };
    },
    /** Replace the group's record: the newest batch's fingerprint covers the lines of the older ones. */
    upsertSource(r: SourceRow): Statement {
      const cols = ['consumer_group', 'kind', 'lines', 'bytes', 'sha256', 'updated_at'];
      const head = `INSERT INTO ${q('sc_sources')} (${cols.map(q).join(',')}) VALUES ${tuples(1, cols.length)}`;
      const set = ['kind', 'lines', 'bytes', 'sha256', 'updated_at'];
      const sql = d.upsert(head, ['consumer_group'], set.map((c) => `${q(c)} = ${d.excluded(c)}`));
      return { sql, params: [r.group, r.kind, r.lines, r.bytes, r.sha256, r.at] };
    },
    insertDeadLetters(rows: DeadLetterRow[]): Statement {
      // The headers column only when a letter has headers: a database made before it (not yet
      // migrated by `run`) keeps taking every other letter.
      const withHeaders = rows.some((r) => r.headers != null);
      const cols = ['dlq_id', 'topic', 'partition', 'offset', 'consumer_group', 'projection', 'reason', 'key_bytes', 'value_bytes', 'created_at', ...(withHeaders ? ['headers'] : [])];
      const params: SqlValue[] = rows.flatMap((r) => [r.id, r.topic, r.partition, r.offset, r.group, r.projection, visibleNul(r.reason), r.key, r.value, r.at, ...(withHeaders ? [r.headers ?? null] : [])]);
      const head = `INSERT INTO ${q('sc_dead_letters')} (${cols.map(q).join(',')}) VALUES ${tuples(rows.length, cols.length)}`;
      return { sql: d.insertOrKeep(head, 'dlq_id'), params };
    },
    /**
     * The stored spec fingerprints of these projections as one text, `projection=fingerprint`
     * sorted by projection and comma-separated (NULL when none is stored). `locking` reads the
     * latest committed rows whatever the transaction's snapshot (MariaDB).
     */
    selectFingerprints(projections: string[], locking = false): Statement {
      const sql = d.selectFingerprintText(projections.map(() => '?').join(','), locking);
      return { sql: `SELECT (${sql}) AS fp`, params: projections };
    },
    /**
     * MariaDB: take the named locks, each within `timeoutS` (`l0`, `l1`… are 1 when granted). The
     * fingerprints are read by a statement of their own once they are granted: read in this one, a
     * live transaction waiting for its lock made a swap's fingerprint upsert wait too, until the
     * lock timeout (see runtime/sinks/mysql.ts).
     */
    takeLocks(locks: string[], timeoutS: number): Statement {
      return { sql: `SELECT ${locks.map((_, i) => `GET_LOCK(?, ?) AS l${i}`).join(', ')}`, params: locks.flatMap((l) => [l, timeoutS]) };
    },
    releaseLocks(locks: string[]): Statement {
      return { sql: `SELECT ${locks.map((_, i) => `RELEASE_LOCK(?) AS r${i}`).join(', ')}`, params: locks };
    },
    pruneProcessed(before: string, limit: number): Statement {
      return { sql: d.deleteLimited('sc_processed_events', `${q('processed_at')} < ?`, limit), params: [before] };
    },
  };
}

export type EngineSql = ReturnType<typeof engineSql>;

/**
 * A reason quotes the message it is about (a JSON parser's error names the bad character), so it
 * may hold NUL, which PostgreSQL's text cannot store (22021): the dead letter would fail as its
 * message did, again and again. Written as the six characters `\u0000` on every database.
 */
export function visibleNul(text: string): string {
  return text.includes('\u0000') ? text.replaceAll('\u0000', '\\u0000') : text;
}

/** A DATETIME(3) literal in UTC, as the engine stores times: now, or the given time. */
export function sqlNow(at: Date = new Date()): string {
  return at.toISOString().replace('T', ' ').replace('Z', '');
}
