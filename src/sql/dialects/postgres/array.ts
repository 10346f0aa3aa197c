/** PostgreSQL array parameters, built as text so a statement's parameters stay scalars. */
import type { SqlValue } from '../../coerce.js';

/**
 * A one-dimensional array's text form: every element double-quoted with `"` and `\` escaped,
 * NULL unquoted (https://www.postgresql.org/docs/15/arrays.html#ARRAYS-IO), as node-postgres
 * writes a JS array; built here so a statement's parameters stay scalars.
 */
export function arrayLiteral(values: readonly SqlValue[]): string {
  return `{${values.map((v) => (v === null ? 'NULL' : `"${String(v).replace(/[\\"]/gu, (c) => `\\${c}`)}"`)).join(',')}}`;
}
