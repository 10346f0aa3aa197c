/**
 * The byte forms of an NDJSON line (issue 22), so a file replays real Kafka records: `key_b64` /
 * `value_b64` (the bytes as base64: Avro, Protobuf, anything not text) and `headers`, each
 * `{"name": "text"}` or `{"name": {"b64": "…"}}`, or a list of those for a repeated name.
 */
import type { MessageHeaders } from '../../../compile/evaluate.js';

// Buffer.from(…, 'base64') skips what is not base64 instead of failing: checked first, so a typo
// is the line's error and not silently other bytes.
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** The bytes of a base64 member, or why not. */
export function base64Bytes(v: unknown, name: string): Buffer | string {
  if (typeof v !== 'string' || !BASE64.test(v)) return `${name} is not base64 text`;
  return Buffer.from(v, 'base64');
}

/**
 * The headers member (its text decoded as UTF-8 and parsed: a text header is its UTF-8 bytes),
 * or why it cannot be. Names keep the member sequence; a list keeps its own.
 */
export function lineHeaders(json: string): MessageHeaders | string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    return 'headers is not JSON';
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return 'headers is not an object of name: value';
  const out: Array<readonly [string, Buffer]> = [];
  for (const [name, v] of Object.entries(parsed)) {
    for (const one of Array.isArray(v) ? (v as unknown[]) : [v]) {
      const bytes = headerBytes(one, name);
      if (typeof bytes === 'string') return bytes;
      out.push([name, bytes]);
    }
  }
  return out;
}

function headerBytes(v: unknown, name: string): Buffer | string {
  if (typeof v === 'string') return Buffer.from(v, 'utf8');
  if (v !== null && typeof v === 'object' && 'b64' in v && Object.keys(v).length === 1) return base64Bytes((v as { b64: unknown }).b64, `header ${name}'s b64`);
  return `header ${name} is not text, {"b64": "…"} or a list of those`;
}
