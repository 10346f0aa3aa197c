/**
 * Letters kept in sc_dead_letters, read a page at a time (sql/letters-sql.ts: keyset pages), so
 * that listing or replaying any number of them holds one page in memory. What the database cannot
 * narrow (the reason's text, the event type, a `group@%` that matched another group) is matched
 * on each page, and pages continue until the table is read through.
 */
import { ALL_DIALECTS } from '../../sql/dialects/index.js';
import { sqlNow } from '../../sql/engine-sql.js';
import { letterSql, type LetterCursor, type LetterSequence, type LetterWhere } from '../../sql/letters-sql.js';
import type { Sink } from '../sinks/sink.js';
import { headersOfJson } from '../outputs/dead-letters/headers-json.js';
import { isoOf, matches, shownHeaders, type LetterFilter, type StoredLetter } from './letter.js';

/** Rows per page: small enough to hold, large enough that a query per page is cheap. */
export const TABLE_PAGE = 500;

/** The event type of a table's letter (the table keeps none: the caller decodes the value with its group's envelope). */
export type TypeOf = (l: StoredLetter) => string | null;

export function whereOf(f: LetterFilter): LetterWhere {
  return {
    ...(f.group !== undefined ? { group: f.group } : {}),
    ...(f.topic !== undefined ? { topic: f.topic } : {}),
    ...(f.projection !== undefined ? { projection: f.projection } : {}),
    ...(f.since !== undefined ? { since: sqlNow(f.since) } : {}),
  };
}

/** A sc_dead_letters row as a letter. */
export function tableLetter(r: Record<string, unknown>): StoredLetter {
  const b64 = (v: unknown): Buffer | null => (v === null || v === undefined ? null : Buffer.from(String(v), 'base64'));
  // A database made before the column, or a letter of a record without headers: none.
  const original = headersOfJson(r.headers);
  return {
    id: String(r.dlq_id),
    store: 'table',
    topic: String(r.topic),
    partition: Number(r.partition),
    offset: Number(r.offset),
    group: String(r.consumer_group),
    projection: r.projection === null || r.projection === undefined ? null : String(r.projection),
    eventType: null,
    reason: String(r.reason),
    // A database made before the column: every letter has had its one attempt.
    attempts: r.attempts === undefined || r.attempts === null ? 1 : Number(r.attempts),
    at: isoOf(r.created_at),
    key: b64(r.key_bytes),
    value: b64(r.value_bytes),
    headers: shownHeaders(original),
    ...(original !== undefined ? { original } : {}),
  };
}

/**
 * Every letter that passes `f`, one page at a time, in `sequence`. `typeOf` gives each its event type
 * before the filter is applied. A page that the filter empties is not yielded.
 */
export async function* tableLetters(sink: Sink, f: LetterFilter, sequence: LetterSequence, typeOf?: TypeOf, page = TABLE_PAGE): AsyncGenerator<StoredLetter[]> {
  const sql = letterSql(sink.dialect);
  const where = whereOf(f);
  let cursor: LetterCursor | undefined;
  for (;;) {
    const rows = await noTableIsEmpty(sink.transaction((tx) => tx.query(sql.selectPage(where, sequence, cursor, page))));
    if (rows.length === 0) return;
    const letters = rows.map(tableLetter);
    const last = letters[letters.length - 1] as StoredLetter;
    cursor = { id: last.id, at: String(rows[rows.length - 1]?.created_at), group: last.group, topic: last.topic, partition: last.partition, offset: last.offset };
    if (typeOf !== undefined) for (const l of letters) l.eventType = typeOf(l);
    const kept = letters.filter((l) => matches(l, f));
    if (kept.length > 0) yield kept;
    if (rows.length < page) return;
  }
}

/** One letter by its dlq_id, or undefined. */
export async function tableLetterById(sink: Sink, id: string): Promise<StoredLetter | undefined> {
  const rows = await noTableIsEmpty(sink.transaction((tx) => tx.query(letterSql(sink.dialect).selectPage({ ids: [id] }, 'newest', undefined, 1))));
  return rows[0] === undefined ? undefined : tableLetter(rows[0]);
}

/** How many rows the database's part of the filter leaves (a replay's progress total; the rest of the filter may take some away). */
export async function countTableLetters(sink: Sink, f: LetterFilter): Promise<number> {
  const rows = await noTableIsEmpty(sink.transaction((tx) => tx.query(letterSql(sink.dialect).countLetters(whereOf(f)))));
  return Number(rows[0]?.n ?? 0);
}

/** A database no run has written to yet has no sc_dead_letters: it holds no letters (as `status` says). */
async function noTableIsEmpty(rows: Promise<Array<Record<string, unknown>>>): Promise<Array<Record<string, unknown>>> {
  try {
    return await rows;
  } catch (e) {
    if (typeof e === 'object' && e !== null && ALL_DIALECTS.some((d) => d.errors.isMissingTable(e))) return [];
    throw e;
  }
}
