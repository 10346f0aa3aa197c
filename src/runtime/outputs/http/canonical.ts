/**
 * Canonical JSON (object keys sorted by code point, no whitespace) and its SHA-256: the content
 * hash of de-duplication. Two payloads that differ only in key sequence or spacing hash the same.
 */
import { createHash } from 'node:crypto';
import { ExactNumber } from '../../../compile/exact-number.js';

export function canonicalJson(v: unknown): string {
  if (v instanceof ExactNumber) return v.text;
  if (v === null || typeof v !== 'object') {
    // JSON has no undefined, NaN or Infinity: they read as null, as JSON.stringify writes them in arrays.
    const s = JSON.stringify(v);
    return s === undefined ? 'null' : s;
  }
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  const o = v as Record<string, unknown>;
  const keys = Object.keys(o).filter((k) => o[k] !== undefined).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`).join(',')}}`;
}

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

export function contentHash(v: unknown): string {
  return sha256Hex(canonicalJson(v));
}
