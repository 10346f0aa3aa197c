/**
 * One NDJSON line, `{"topic","key","value"}` (or `value_raw`, the value's bytes as a JSON
 * string; `key_b64`, `value_b64` and `headers`: bytes.ts), as the message Kafka would have carried: the value is the line's own bytes between its
 * first and last character, never parsed and written back out (that turned `1e400` into `null` and
 * invalid UTF-8 into U+FFFD), so the file and Kafka give the same rows and the same dead letters.
 *
 * The line is read as bytes. Its wrapper is checked by JSON.parse over its latin1 text (one
 * character a byte, so indexes are byte offsets and no byte is replaced); only the members' spans
 * are taken from it, and their bytes from the line.
 */
import { skipSpace, stringEnd, valueEnd } from '../../apply/json-text.js';
import { isUtf8 } from 'node:buffer';
import type { RawMessage } from '../../apply/message.js';
import { base64Bytes, lineHeaders } from './bytes.js';

/** Topic of the dead letters made from lines that are not a message wrapper at all. */
export const INVALID_LINE_TOPIC = '_invalid_line';

/** A line that is no message: a dead letter with its bytes (or its first bytes) and the reason. */
export function invalidLine(bytes: Buffer, offset: number, why: string): RawMessage {
  return { topic: INVALID_LINE_TOPIC, partition: 0, offset, key: null, value: bytes, invalid: `line ${offset + 1}: ${why}` };
}

export function lineToMessage(line: Buffer | string, offset: number): RawMessage {
  const bytes = typeof line === 'string' ? Buffer.from(line, 'utf8') : line;
  const text = bytes.toString('latin1');
  let wrapper: unknown;
  try {
    wrapper = JSON.parse(text);
  } catch {
    return invalidLine(bytes, offset, 'line is not JSON');
  }
  if (wrapper === null || typeof wrapper !== 'object' || Array.isArray(wrapper)) return invalidLine(bytes, offset, 'line is not an object');
  const w = wrapper as Record<string, unknown>;
  if (typeof w.topic !== 'string' || w.topic === '') return invalidLine(bytes, offset, 'line has no topic');
  const spans = memberSpans(text);
  const span = (name: string): Buffer => {
    const [a, b] = spans.get(name) as [number, number];
    return bytes.subarray(a, b);
  };
  const topicBytes = unescapeString(span('topic'));
  let topic: string;
  try {
    topic = new TextDecoder('utf-8', { fatal: true }).decode(topicBytes);
  } catch {
    return invalidLine(bytes, offset, 'topic is not valid UTF-8');
  }
  if (['value', 'value_raw', 'value_b64'].filter((m) => m in w).length > 1) return invalidLine(bytes, offset, 'line gives more than one of value, value_raw and value_b64');
  if ('key' in w && 'key_b64' in w) return invalidLine(bytes, offset, 'line gives both key and key_b64');
  // A key that is not a string keeps its JSON text as written (`1e2` stays "1e2").
  let key: Buffer | string | null = w.key === undefined || w.key === null ? null : typeof w.key === 'string' ? unescapeString(span('key')) : span('key');
  if (w.key_b64 !== undefined) key = base64Bytes(w.key_b64, 'key_b64');
  if (typeof key === 'string') return invalidLine(bytes, offset, key);
  // No value, or `"value": null`: a tombstone, as a Kafka record with a null value.
  let value: Buffer | string | null = null;
  if (typeof w.value_raw === 'string') value = unescapeString(span('value_raw'));
  else if (w.value_b64 !== undefined) value = base64Bytes(w.value_b64, 'value_b64');
  else if (w.value !== undefined && w.value !== null) value = span('value');
  if (typeof value === 'string') return invalidLine(bytes, offset, value);
  const msg: RawMessage = { topic, partition: 0, offset, key, value };
  if (w.headers !== undefined) {
    const raw = span('headers');
    // toString would turn invalid bytes into U+FFFD: bytes go in as {"b64": …}.
    const headers = isUtf8(raw) ? lineHeaders(raw.toString('utf8')) : 'headers is not valid UTF-8 (give bytes as {"b64": "…"})';
    if (typeof headers === 'string') return invalidLine(bytes, offset, headers);
    if (headers.length > 0) msg.headers = headers;
  }
  return msg;
}

/** Messages from in-memory wrappers (the spec test runner's `given`). */
export function wrappersToMessages(lines: string[]): RawMessage[] {
  return lines.map((l, i) => lineToMessage(l, i));
}

/**
 * Start and end of each top-level member's value of an object that JSON.parse accepted (so the
 * scan need not validate); a duplicated name resolves to its last occurrence, as in JSON.parse.
 */
function memberSpans(text: string): Map<string, [number, number]> {
  const out = new Map<string, [number, number]>();
  let j = skipSpace(text, skipSpace(text, 0) + 1);
  while (text.charCodeAt(j) === 0x22) {
    const nameEnd = stringEnd(text, j);
    const raw = text.slice(j + 1, nameEnd - 1);
    const name = raw.includes('\\') ? (JSON.parse(text.slice(j, nameEnd)) as string) : raw;
    j = skipSpace(text, skipSpace(text, nameEnd) + 1);
    const end = valueEnd(text, j);
    out.set(name, [j, end]);
    j = skipSpace(text, end);
    if (text.charCodeAt(j) === 0x2c) j = skipSpace(text, j + 1);
  }
  return out;
}

const SIMPLE_ESCAPES: Record<number, number> = { 0x22: 0x22, 0x5c: 0x5c, 0x2f: 0x2f, 0x62: 0x08, 0x66: 0x0c, 0x6e: 0x0a, 0x72: 0x0d, 0x74: 0x09 };

/**
 * The bytes a JSON string literal (quotes included) stands for: its own bytes where it has no
 * escape (invalid UTF-8 stays as written, for the decoder to refuse as Kafka's would), escapes
 * decoded to UTF-8 (a run of `\u` escapes together, so surrogate pairs join).
 */
function unescapeString(lit: Buffer): Buffer {
  const inner = lit.subarray(1, lit.length - 1);
  if (!inner.includes(0x5c)) return inner;
  const out: number[] = [];
  for (let i = 0; i < inner.length; i++) {
    const c = inner[i] as number;
    if (c !== 0x5c) {
      out.push(c);
      continue;
    }
    const e = inner[i + 1] as number;
    if (e !== 0x75) {
      out.push(SIMPLE_ESCAPES[e] ?? e);
      i++;
      continue;
    }
    const units: number[] = [];
    while (inner[i] === 0x5c && inner[i + 1] === 0x75) {
      units.push(parseInt(inner.subarray(i + 2, i + 6).toString('latin1'), 16));
      i += 6;
    }
    i--;
    for (const b of Buffer.from(String.fromCharCode(...units), 'utf8')) out.push(b);
  }
  return Buffer.from(out);
}
