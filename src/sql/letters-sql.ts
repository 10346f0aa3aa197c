/**
 * The statements of `sc-project dead-letters` (runtime/dead-letters/): reading sc_dead_letters a
 * page at a time, marking what a replay did (the letter row removed or its attempt counted; for a
 * letter of a `.dlq` topic, a row of sc_replayed_letters), and purging. Pages are keyset-paginated
 * (the page after the last row read, never an OFFSET), so reading 100,000 letters costs 100,000
 * rows once, and memory holds one page whatever their number.
 */
import type { SqlValue } from './coerce.js';
import type { SqlDialect } from './dialect.js';
import { dialectOf } from './dialects/index.js';
import { visibleNul } from './engine-sql.js';
import type { Statement } from './statement.js';

/** What the database narrows letters by (the rest, reason text and event type, is matched after reading). */
export interface LetterWhere {
  /** The group, or a file run's named source of it (`group@name`): both are matched by `group@%` and the caller checks. */
  group?: string;
  topic?: string;
  projection?: string;
  /** Created at or after this DATETIME(3) text (engine-sql.ts sqlNow). */
  since?: string;
  /** Exactly these ids. */
  ids?: string[];
}

/** Newest first (list), or source sequence: group, topic, partition, offset (replay). */
export type LetterSequence = 'newest' | 'source';

/** The last row of a page, where the next one starts. */
export interface LetterCursor {
  id: string;
  at: string;
  group: string;
  topic: string;
  partition: number;
  offset: number;
}

/** A replay's record of a `.dlq` letter (engine-tables.ts sc_replayed_letters). */
export interface ReplayMark {
  group: string;
  topic: string;
  partition: number;
  offset: number;
  reason: string | null;
  at: string;
}

export function letterSql(dialect: SqlDialect) {
  const d = dialectOf(dialect);
  const q = d.quote;
  const LETTERS = q('sc_dead_letters');
  const MARKS = q('sc_replayed_letters');
  const where = (w: LetterWhere, params: SqlValue[]): string[] => {
    const out: string[] = [];
    if (w.group !== undefined) {
      out.push(`(${q('consumer_group')} = ? OR ${q('consumer_group')} LIKE ?)`);
      params.push(w.group, `${w.group}@%`);
    }
    if (w.topic !== undefined) { out.push(`${q('topic')} = ?`); params.push(w.topic); }
    if (w.projection !== undefined) {
      // A letter of an event two projections handle names both, comma-separated.
      out.push(`(${q('projection')} = ? OR ${q('projection')} LIKE ? OR ${q('projection')} LIKE ?)`);
      params.push(w.projection, `${w.projection},%`, `%,${w.projection}`);
    }
    if (w.since !== undefined) { out.push(`${q('created_at')} >= ?`); params.push(w.since); }
    if (w.ids !== undefined) { out.push(`${q('dlq_id')} IN (${w.ids.map(() => '?').join(',') || 'NULL'})`); params.push(...w.ids); }
    return out;
  };
  /** `(a, b, …) > (?, ?, …)` spelled out, so that every database can use the source index. */
  const after = (cols: string[], values: SqlValue[], op: '<' | '>', params: SqlValue[]): string => {
    const [c, ...rest] = cols;
    const [v, ...more] = values;
    if (c === undefined) return '1=0';
    params.push(v ?? null);
    if (rest.length === 0) return `${q(c)} ${op} ?`;
    params.push(v ?? null);
    return `(${q(c)} ${op} ? OR (${q(c)} = ? AND ${after(rest, more, op, params)}))`;
  };
  return {
    /** One page of letters, every column (a database made before `attempts` has none: read as 1). */
    selectPage(w: LetterWhere, sequence: LetterSequence, cursor: LetterCursor | undefined, limit: number): Statement {
      const params: SqlValue[] = [];
      const conds = where(w, params);
      if (cursor !== undefined) {
        conds.push(sequence === 'newest'
          ? after(['created_at', 'dlq_id'], [cursor.at, cursor.id], '<', params)
          : after(['consumer_group', 'topic', 'partition', 'offset', 'dlq_id'], [cursor.group, cursor.topic, cursor.partition, cursor.offset, cursor.id], '>', params));
      }
      const by = sequence === 'newest' ? `${q('created_at')} DESC, ${q('dlq_id')} DESC` : ['consumer_group', 'topic', 'partition', 'offset', 'dlq_id'].map(q).join(', ');
      const filter = conds.length === 0 ? '' : ` WHERE ${conds.join(' AND ')}`;
      return { sql: `SELECT * FROM ${LETTERS}${filter} ORDER BY ${by} LIMIT ${Math.max(1, Math.floor(limit))}`, params };
    },
    countLetters(w: LetterWhere): Statement {
      const params: SqlValue[] = [];
      const conds = where(w, params);
      return { sql: `SELECT COUNT(*) AS n FROM ${LETTERS}${conds.length === 0 ? '' : ` WHERE ${conds.join(' AND ')}`}`, params };
    },
    /** The replay mark of a letter that applied: exactly one row goes (none: another replay took it). */
    deleteLetter(id: string): Statement {
      return { sql: `DELETE FROM ${LETTERS} WHERE ${q('dlq_id')} = ?`, params: [id] };
    },
    /** A letter that failed again keeps its row: the new reason, one attempt more. */
    failLetter(id: string, reason: string, expectedAttempts: number): Statement {
      return {
        sql: `UPDATE ${LETTERS} SET ${q('reason')} = ?, ${q('attempts')} = ${q('attempts')} + 1 WHERE ${q('dlq_id')} = ? AND ${q('attempts')} = ?`,
        params: [visibleNul(reason), id, expectedAttempts],
      };
    },
    deleteLetters(ids: string[]): Statement {
      return { sql: `DELETE FROM ${LETTERS} WHERE ${q('dlq_id')} IN (${ids.map(() => '?').join(',')})`, params: ids };
    },
    /** The marks of these `.dlq` letters' sources (one group and topic). */
    selectMarks(group: string, topic: string, partition: number, offsets: number[]): Statement {
      return {
        sql: `SELECT ${q('offset')} AS ${q('offset')}, ${q('outcome')} AS outcome, ${q('attempts')} AS attempts, ${q('reason')} AS reason FROM ${MARKS} WHERE ${q('consumer_group')} = ? AND ${q('topic')} = ? AND ${q('partition')} = ? AND ${q('offset')} IN (${offsets.map(() => '?').join(',') || 'NULL'})`,
        params: [group, topic, partition, ...offsets],
      };
    },
    /** Before a mark is written: a failed one goes (an applied one stays, and the INSERT after it then fails on the key). */
    clearFailedMark(m: ReplayMark): Statement {
      return { sql: `DELETE FROM ${MARKS} WHERE ${q('consumer_group')} = ? AND ${q('topic')} = ? AND ${q('partition')} = ? AND ${q('offset')} = ? AND ${q('outcome')} = 'failed'`, params: [m.group, m.topic, m.partition, m.offset] };
    },
    /** A plain INSERT: a duplicate key means another replay applied the letter meanwhile, and this transaction rolls back. */
    insertMark(m: ReplayMark, outcome: 'applied' | 'failed' | 'purged', attempts: number): Statement {
      const cols = ['consumer_group', 'topic', 'partition', 'offset', 'outcome', 'attempts', 'reason', 'replayed_at'];
      return {
        sql: `INSERT INTO ${MARKS} (${cols.map(q).join(',')}) VALUES (${cols.map(() => '?').join(',')})`,
        params: [m.group, m.topic, m.partition, m.offset, outcome, attempts, m.reason === null ? null : visibleNul(m.reason), m.at],
      };
    },
  };
}

export type LetterSql = ReturnType<typeof letterSql>;
