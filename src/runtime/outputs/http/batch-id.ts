/**
 * Batch ids `EVT-yyyyMMddHHmmss-xxxxxx` (the seed's format): the flush time in UTC and six hex
 * digits derived from the output and the batch's first record, so two batches of one second
 * differ, and a test clock gives the same ids on every run. The id is chosen once, stored with
 * the body, and never recomputed: a resend reads it back.
 */
import { sha256Hex } from './canonical.js';

export function batchId(at: Date, output: string, firstRecord: string): string {
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  const stamp = `${p(at.getUTCFullYear(), 4)}${p(at.getUTCMonth() + 1)}${p(at.getUTCDate())}${p(at.getUTCHours())}${p(at.getUTCMinutes())}${p(at.getUTCSeconds())}`;
  return `EVT-${stamp}-${sha256Hex(`${output}\u0000${firstRecord}\u0000${at.getTime()}`).slice(0, 6)}`;
}
