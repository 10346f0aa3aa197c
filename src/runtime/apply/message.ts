/**
 * A message as any source delivers it, and its decoding into an event. A message that cannot be
 * decoded is a BadMessage with a reason: it goes to the dead-letter sink, never silently away.
 *
 * A value that is JSON but has no usable event type (not an object; a type field that is
 * missing, null, empty or not a string) decodes to an event without `type`: only a default route
 * can take it, and `untyped` says why, for the dead letter when none does. Likewise an event
 * without an id (`noId`) can only go to a default route, unless the envelope says `id: none`.
 */
import { isUtf8 } from 'node:buffer';
import { EVENT_ID_LENGTH } from '../../sql/engine-tables.js';
import { compilePath } from '../../compile/accessor.js';
import { NO_ID, type EnvelopePaths } from '../../compile/plan.js';
import { ExactNumber, jsonText } from '../../compile/exact-number.js';
import { headerText, type MessageHeaders } from '../../compile/evaluate.js';
import { parsePathRef } from '../../compile/value.js';
import { inexactNumberIn, mayHoldInexactNumber, parseExact, rawJsonAt } from './json-text.js';
import { KEY_FORMATS, type KeyFormat } from './formats/index.js';

export interface RawMessage {
  topic: string;
  partition: number;
  offset: number;
  key: Buffer | null;
  value: Buffer | null;
  /** Milliseconds since the epoch, when the source knows it. */
  timestamp?: number;
  /** Kafka headers as the record lists them (names may repeat); absent when the record has none. */
  headers?: MessageHeaders;
  /** Set by a source that could not even read the message (a broken NDJSON line): the reason. */
  invalid?: string;
}

export interface DecodedEvent {
  msg: RawMessage;
  /** The value parsed: an object whenever `type` is set, any JSON value otherwise. */
  value: unknown;
  /** The event type: a non-empty string at the envelope's type path. */
  type?: string;
  /** Why there is no `type` (the dead letter's reason when no default route takes the event). */
  untyped?: string;
  /** The type field's value as text when there is one (`$type`), else null. */
  typeText: string | null;
  /** The event id; absent under `id: none` or when the message has none (see `noId`). */
  id?: string;
  /** Why there is no id although the envelope expects one. */
  noId?: string;
  /** The key as an eager key format decoded it (null: no key); undefined under `string`. */
  key?: unknown;
  /** A tombstone: the value is null (no type, no id; exactly-once rests on the positions). */
  tombstone?: true;
}

export interface BadMessage {
  msg: RawMessage;
  reason: string;
}

export type Decoder = (msg: RawMessage) => DecodedEvent | BadMessage;

export function isBad(x: DecodedEvent | BadMessage): x is BadMessage {
  return 'reason' in x;
}

/** Build the decoder of one envelope and key format: the paths are compiled once. */
/** `valueFormat`: a registry format's decoder; undefined for JSON. */
export function envelopeDecoder(envelope: EnvelopePaths, keyFormat: KeyFormat = KEY_FORMATS.string, valueFormat?: KeyFormat): Decoder {
  const typeOf = envelopeReader(envelope.type);
  const idRef = envelope.id === NO_ID ? undefined : parsePathRef(envelope.id);
  // A path into the value or a JSON key has text to read a numeric id back from, as written.
  const idPath = idRef === undefined ? undefined : 'root' in idRef ? compilePath(envelope.id) : 'key' in idRef ? compilePath(idRef.key) : undefined;
  const idFromKey = idRef !== undefined && 'key' in idRef;
  const idOf = envelope.id === NO_ID ? undefined : envelopeReader(envelope.id);
  return (msg) => {
    if (msg.invalid !== undefined) return { msg, reason: msg.invalid };
    let key: unknown;
    if (keyFormat.eager) {
      const k = msg.key === null ? { value: null } : keyFormat.decode(msg.key);
      if ('reason' in k) return { msg, reason: k.reason };
      key = k.value;
    }
    // A null value is a tombstone (a deletion on a compacted topic): routed to `tombstone`
    // operations, or skipped and counted. No bytes at all (not null) is no event.
    if (msg.value === null) return { msg, value: null, typeText: null, key, tombstone: true };
    if (msg.value.length === 0) return { msg, reason: 'empty message value (no bytes)' };
    const parsed: { value: unknown; json?: string } | { reason: string } = valueFormat === undefined ? parseJsonValue(msg.value) : valueFormat.decode(msg.value);
    if ('reason' in parsed) return { msg, reason: parsed.reason };
    // `json`: the text a numeric id is read back from (numericIdText); a registry format has none.
    const { value, json } = parsed;
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      return { msg, value, typeText: null, untyped: `value is ${json === undefined ? 'decoded' : 'JSON'} but not an object (got ${kindOf(value)})`, key };
    }
    const field = typeOf(value, msg, key);
    const event: DecodedEvent = { msg, value, typeText: typeText(field), key };
    if (typeof field === 'string' && field !== '') event.type = field;
    else event.untyped = field === undefined ? `missing event type at ${envelope.type}` : `event type at ${envelope.type} is ${field === '' ? 'an empty string' : kindOf(field)}`;
    if (idOf === undefined) return event;
    const id = idOf(value, msg, key);
    if ((typeof id !== 'string' || id === '') && typeof id !== 'number' && !(id instanceof ExactNumber)) {
      event.noId = `missing event id at ${envelope.id}`;
      return event;
    }
    const text = typeof id === 'string' ? id : id instanceof ExactNumber ? id.text : numericIdText(id, idFromKey ? (msg.key?.toString('utf8') ?? '') : json, idPath?.segments ?? null);
    // Longer ids could not be recorded as processed exactly (the column holds EVENT_ID_LENGTH).
    if (text.length > EVENT_ID_LENGTH && [...text].length > EVENT_ID_LENGTH) return { msg, reason: `event id at ${envelope.id} is longer than ${EVENT_ID_LENGTH} characters` };
    // "\ud800" is valid JSON but has no UTF-8 form: the database would store U+FFFD, and
    // "e\ud800" and "e\udfff" would become one id.
    if (LONE_SURROGATE.test(text)) return { msg, reason: `event id at ${envelope.id} holds a lone UTF-16 surrogate, which has no UTF-8 form` };
    event.id = text;
    return event;
  };
}

/**
 * An envelope field's reader: a path into the value, or `$headers.<name>` (text), `$key` /
 * `$key.<path>` (the decoded key; a `string` key as text, none when it is not UTF-8).
 */
export function envelopeReader(text: string): (value: unknown, msg: RawMessage, key: unknown) => unknown {
  const ref = parsePathRef(text);
  if ('header' in ref) return (_v, msg) => headerText(msg.headers, ref.header);
  if ('key' in ref) {
    const get = ref.key === '$' ? (k: unknown) => k : compilePath(ref.key).get;
    return (_v, msg, key) => get(key !== undefined ? key : msg.key !== null && isUtf8(msg.key) ? msg.key.toString('utf8') : undefined);
  }
  const { get } = compilePath(text);
  return (value) => get(value);
}

/** In a `u` regex a surrogate pair is one code point, so \p{Cs} matches only unpaired halves. */
const LONE_SURROGATE = /\p{Cs}/u;

/**
 * A numeric id is its JSON text, as the producer wrote it: the number 77 and the string "77" are
 * one id, but `1e2` is not "100" and `1.50` is not "1.5" (JSON.parse makes each pair one number,
 * so a later, different event would be dropped as a duplicate), and JSON.parse rounds numbers
 * past 2^53. So a numeric id is read back from the message text; string ids, the common case,
 * never pay for it.
 */
function numericIdText(id: number, json: string | undefined, segments: Array<string | number> | null): string {
  return (segments === null || json === undefined ? undefined : rawJsonAt(json, segments)) ?? String(id);
}

/** A JSON value: parsed, with its text (numeric ids are read back from it), or why not. */
function parseJsonValue(bytes: Buffer): { value: unknown; json: string } | { reason: string } {
  // toString('utf8') would replace invalid bytes with U+FFFD and store text the producer never
  // sent; isUtf8 (simdutf) checks first at a fraction of the decoding's cost.
  if (!isUtf8(bytes)) return { reason: `value is not valid UTF-8 (first invalid byte at offset ${invalidUtf8Offset(bytes)})` };
  const json = bytes.toString('utf8');
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (e) {
    return { reason: `value is not JSON: ${e instanceof Error ? e.message : String(e)}` };
  }
  // A number JSON.parse rounded (past 2^53, past 15 digits, 1e-400): parsed again, keeping it
  // exact, so it is stored as written or refused, never rounded. A regex on every message,
  // the lossless parse only on the rare one.
  if (mayHoldInexactNumber(json) && inexactNumberIn(json)) {
    try {
      value = parseExact(json);
    } catch (e) {
      // JSON.parse accepted the text: only its depth (lossless-json recurses) can fail here.
      return { reason: `value holds a number JSON.parse cannot read exactly and is too deeply nested to read it exactly (${e instanceof Error ? e.message : String(e)})` };
    }
  }
  return { value, json };
}

/** Offset of the first byte that breaks UTF-8 (RFC 3629: no overlongs, surrogates or > U+10FFFF). */
export function invalidUtf8Offset(b: Uint8Array): number {
  for (let i = 0; i < b.length; ) {
    const c = b[i] as number;
    const [n, min] = c < 0x80 ? [0, 0] : c >= 0xc2 && c <= 0xdf ? [1, 0x80] : c >= 0xe0 && c <= 0xef ? [2, 0x800] : c >= 0xf0 && c <= 0xf4 ? [3, 0x10000] : [-1, 0];
    if (n < 0) return i;
    let cp = n === 0 ? c : c & (0x3f >> n);
    for (let k = 1; k <= n; k++) {
      const d = b[i + k];
      if (d === undefined || (d & 0xc0) !== 0x80) return i;
      cp = (cp << 6) | (d & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return i;
    i += n + 1;
  }
  return b.length;
}

function kindOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (v instanceof ExactNumber) return 'a number';
  if (typeof v === 'object') return 'an object';
  if (typeof v === 'number') return 'a number';
  if (typeof v === 'boolean') return 'a boolean';
  return typeof v;
}

/** `$type`: a string as it is, another scalar as its JSON text, nothing for null or missing. */
function typeText(v: unknown): string | null {
  if (v === undefined || v === null) return null;
  if (typeof v === 'string') return v;
  return jsonText(v) ?? null;
}
