/**
 * A record's headers as sc_dead_letters keeps them (issue 22): JSON text in the form NDJSON lines
 * give them (sources/ndjson/bytes.ts), `{"name": "text"}`, `{"name": {"b64": "…"}}` for bytes that
 * are not UTF-8, a list for a repeated name in its sequence, so a letter's headers read back, show
 * and replay as the record carried them, and one parser reads both.
 */
import { isUtf8 } from 'node:buffer';
import type { MessageHeaders } from '../../../compile/evaluate.js';
import { lineHeaders } from '../../sources/ndjson/bytes.js';

type One = string | { b64: string };

/** The headers' JSON text, or null for a record without headers. */
export function headersJson(headers: MessageHeaders | undefined): string | null {
  if (headers === undefined || headers.length === 0) return null;
  const byName = new Map<string, One[]>();
  for (const [name, bytes] of headers) {
    const one: One = isUtf8(bytes) ? bytes.toString('utf8') : { b64: bytes.toString('base64') };
    const list = byName.get(name);
    if (list === undefined) byName.set(name, [one]);
    else list.push(one);
  }
  // A name appearing once stays a plain value, as in an NDJSON line written by hand.
  return JSON.stringify(Object.fromEntries([...byName].map(([k, v]) => [k, v.length === 1 ? v[0] : v])));
}

/** The headers of a row's JSON text (undefined for none, or for text that is not the form: no header is invented). */
export function headersOfJson(text: unknown): MessageHeaders | undefined {
  if (typeof text !== 'string' || text === '') return undefined;
  const h = lineHeaders(text);
  return typeof h === 'string' || h.length === 0 ? undefined : h;
}
