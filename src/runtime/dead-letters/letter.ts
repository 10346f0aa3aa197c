/**
 * A dead letter as `sc-project dead-letters` works with it, wherever it is kept: a row of
 * sc_dead_letters (a `--from` run, a rebuild's shadow) or a message of a `<topic>.dlq` topic (a
 * Kafka run). Both become one shape here, so listing, showing, replaying and purging are written
 * once; the filters and the counts by reason are pure.
 */
import type { MessageHeaders } from '../../compile/evaluate.js';
import type { RawMessage } from '../apply/message.js';

export type LetterStore = 'table' | 'topic';

export interface StoredLetter {
  /** sc_dead_letters' dlq_id (64 hex), or `<dlq topic>:<partition>:<offset>` for a topic's letter. */
  id: string;
  store: LetterStore;
  /** The source message's coordinates. */
  topic: string;
  partition: number;
  offset: number;
  /** The group whose run dead-lettered it (a file run's named source: `group@name`). */
  group: string;
  projection: string | null;
  /** Known for a topic's letters (a header); a table's letters have it decoded by the caller. */
  eventType: string | null;
  reason: string;
  /** 1 for the run that dead-lettered it, one more for each replay it failed again in. */
  attempts: number;
  /** When it was dead-lettered (ISO 8601, UTC). */
  at: string;
  key: Buffer | null;
  value: Buffer | null;
  /** The headers shown: a topic letter's as sent (sc-reason, sc-source-*, …), a table row's the record's own. */
  headers: Record<string, string>;
  /** The dead-lettered record's own headers, which a replay hands back as the message's. */
  original?: MessageHeaders;
}

/** The filters every command takes (`--group --projection --topic --type --reason --since`). */
export interface LetterFilter {
  group?: string;
  projection?: string;
  topic?: string;
  /** The event type, exactly. */
  type?: string;
  /** A part of the reason, case-insensitive. */
  reason?: string;
  /** Dead-lettered at or after. */
  since?: Date;
}

/** The consumer group a letter belongs to: a file run's named source `group@name` is its group's. */
export function letterGroup(group: string): string {
  const at = group.lastIndexOf('@');
  return at <= 0 ? group : group.slice(0, at);
}

export function matches(l: StoredLetter, f: LetterFilter): boolean {
  if (f.group !== undefined && l.group !== f.group && letterGroup(l.group) !== f.group) return false;
  if (f.topic !== undefined && l.topic !== f.topic) return false;
  if (f.projection !== undefined && !(l.projection ?? '').split(',').includes(f.projection)) return false;
  if (f.type !== undefined && l.eventType !== f.type) return false;
  if (f.reason !== undefined && !l.reason.toLowerCase().includes(f.reason.toLowerCase())) return false;
  if (f.since !== undefined && Date.parse(l.at) < f.since.getTime()) return false;
  return true;
}

/** The message a letter holds, as a source gives it to the engine: its source coordinates, key and bytes. */
export function letterMessage(l: StoredLetter): RawMessage {
  const msg: RawMessage = { topic: l.topic, partition: l.partition, offset: l.offset, key: l.key, value: l.value };
  if (l.original !== undefined) msg.headers = l.original;
  return msg;
}

/**
 * Headers as `show` prints them: text, or `(base64) …` for bytes that are not UTF-8; a repeated
 * name shows its last value, the one `$headers.<name>` reads.
 */
export function shownHeaders(headers: MessageHeaders | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, bytes] of headers ?? []) out[name] = decodedText(bytes);
  return out;
}

function decodedText(bytes: Buffer): string {
  const k = decodedKey(bytes);
  return k === null ? '' : 'text' in k ? k.text : `(base64) ${k.base64}`;
}

/** A value as a person reads it: JSON where it is JSON text, else base64. */
export function decodedValue(value: Buffer | null): { json: unknown } | { base64: string } | null {
  if (value === null) return null;
  try {
    return { json: JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(value)) as unknown };
  } catch {
    return { base64: value.toString('base64') };
  }
}

/** A key as text where it is UTF-8, else base64. */
export function decodedKey(key: Buffer | null): { text: string } | { base64: string } | null {
  if (key === null) return null;
  try {
    return { text: new TextDecoder('utf-8', { fatal: true }).decode(key) };
  } catch {
    return { base64: key.toString('base64') };
  }
}

/**
 * Reasons as counted: numbers as N, so that letters failing alike count together (`line 3: …`,
 * `value of 50 characters is longer than 40`), and the first 200 characters (a reason quoting a
 * huge value stays one line).
 */
export function reasonKey(reason: string): string {
  const r = reason.replace(/\d+/gu, 'N');
  return r.length <= 200 ? r : `${r.slice(0, 199)}…`;
}

/** Counts by reason, most first (ties by reason). */
export function sortedCounts(counts: ReadonlyMap<string, number>): Array<{ reason: string; count: number }> {
  return [...counts].map(([reason, count]) => ({ reason, count })).sort((a, b) => b.count - a.count || (a.reason < b.reason ? -1 : a.reason > b.reason ? 1 : 0));
}

/** A DATETIME(3) text read back from any database (UTC, no zone) as ISO 8601. */
export function isoOf(v: unknown): string {
  if (v instanceof Date) return v.toISOString();
  const s = String(v);
  return /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d/u.test(s) ? `${s.replace(' ', 'T')}${/[zZ]|[+-]\d\d:?\d\d$/u.test(s) ? '' : 'Z'}` : s;
}
