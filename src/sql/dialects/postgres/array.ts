/** PostgreSQL array parameters, built as text so a statement's parameters stay scalars. */
import type { SqlValue } from '../../coerce.js';

const SPECIAL = /[\\"]/u;
const SPECIALS = /[\\"]/gu;

/**
 * A one-dimensional array's text form: every element double-quoted with `"` and `\` escaped,
 * NULL unquoted (https://www.postgresql.org/docs/15/arrays.html#ARRAYS-IO), as node-postgres
 * writes a JS array; built here so a statement's parameters stay scalars. One pass, escaping only
 * the elements that need it: every value of every multi-row statement goes through here.
 */
export function arrayLiteral(values: readonly SqlValue[]): string {
  let out = '{';
  for (let i = 0; i < values.length; i++) {
    if (i > 0) out += ',';
    const v = values[i];
    if (v === null || v === undefined) {
      out += 'NULL';
      continue;
    }
    const s = typeof v === 'string' ? v : String(v);
    out += SPECIAL.test(s) ? `"${s.replace(SPECIALS, '\\$&')}"` : `"${s}"`;
  }
  return `${out}}`;
}
