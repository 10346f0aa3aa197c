/**
 * How `dead-letters list` and `show` print: text for a person (one line a letter, the counts by
 * reason first) or JSON for a script. Pure: a list or a letter in, the text out.
 */
import { decodedKey, decodedValue, type StoredLetter } from './letter.js';
import type { LetterList } from './list.js';

/** A letter as JSON shows it: bytes decoded where they are text, base64 where not. */
export function letterJson(l: StoredLetter, withValue: boolean): Record<string, unknown> {
  return {
    id: l.id, store: l.store, group: l.group, projection: l.projection, event_type: l.eventType,
    topic: l.topic, partition: l.partition, offset: l.offset, reason: l.reason, attempts: l.attempts, at: l.at,
    ...(withValue ? { key: decodedKey(l.key), value: decodedValue(l.value), headers: l.headers } : {}),
  };
}

export function formatList(list: LetterList, format: 'text' | 'json'): string {
  if (format === 'json') {
    return `${JSON.stringify({ stores: list.stores, total: list.total, by_reason: list.byReason, letters: list.letters.map((l) => letterJson(l, false)) }, null, 2)}\n`;
  }
  const lines = [`${list.total} dead letter(s) (${list.stores.length === 0 ? 'no store given' : list.stores.join(' and ')})`];
  if (list.byReason.length > 0) {
    lines.push('', 'by reason:');
    for (const r of list.byReason.slice(0, 20)) lines.push(`  ${String(r.count).padStart(7)}  ${oneLine(r.reason, 160)}`);
    if (list.byReason.length > 20) lines.push(`  … and ${list.byReason.length - 20} other reason(s) (--format json lists all)`);
  }
  if (list.letters.length > 0) {
    lines.push('', `newest ${list.letters.length}:`);
    for (const l of list.letters) {
      lines.push(`  ${l.id}  ${l.at}  ${l.group}  ${l.topic}/${l.partition}@${l.offset}  ${l.projection ?? '-'}  ${l.eventType ?? '-'}  attempts ${l.attempts}  ${oneLine(l.reason, 120)}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

export function formatLetter(l: StoredLetter, format: 'text' | 'json'): string {
  if (format === 'json') return `${JSON.stringify(letterJson(l, true), null, 2)}\n`;
  const key = decodedKey(l.key);
  const value = decodedValue(l.value);
  const lines = [
    `id:         ${l.id}`,
    `stored in:  ${l.store === 'table' ? 'sc_dead_letters' : l.id.slice(0, l.id.indexOf(':'))}`,
    `source:     ${l.topic} partition ${l.partition} offset ${l.offset}`,
    `group:      ${l.group}`,
    `projection: ${l.projection ?? '-'}`,
    `event type: ${l.eventType ?? '-'}`,
    `when:       ${l.at}`,
    `attempts:   ${l.attempts}`,
    `reason:     ${l.reason}`,
    `key:        ${key === null ? '(none)' : 'text' in key ? key.text : `(base64) ${key.base64}`}`,
  ];
  const headers = Object.entries(l.headers);
  if (headers.length > 0) {
    lines.push('headers:');
    for (const [k, v] of headers) lines.push(`  ${k}: ${v}`);
  }
  lines.push(value === null ? 'value:      (none)' : 'json' in value ? `value (JSON):\n${JSON.stringify(value.json, null, 2)}` : `value (base64, not JSON text):\n${value.base64}`);
  return `${lines.join('\n')}\n`;
}

/** A reason on one line of at most `max` characters (reasons may quote line breaks). */
function oneLine(s: string, max: number): string {
  const flat = s.replace(/\s+/gu, ' ');
  return flat.length <= max ? flat : `${flat.slice(0, max - 1)}…`;
}
