/**
 * SQL functions the SQLite statements call, registered by the SQLite sink on its connection.
 * `col = col + ?` in SQLite adds in floating point (0.1 + 0.2 stores 0.30000000000000004 in a
 * DECIMAL(12,2) column) and never checks a range (an INT passes 2^31, a BIGINT turns into a
 * REAL past 2^63), where MariaDB adds exactly and rejects what does not fit. `sc_add` adds as
 * MariaDB does and throws a NumericRangeError (a data error: the event is dead-lettered) instead.
 */
import type { SqlValue } from '../../coerce.js';
import { addNumeric, type Numeric } from '../../numeric.js';

export const SC_ADD = 'sc_add';

/** The SQL text of `sc_add(current, amount)` for a column: its type travels as literal arguments. */
export function scAdd(current: string, amount: string, n: Numeric): string {
  return n.type === 'decimal' ? `${SC_ADD}(${current}, ${amount}, 'decimal', ${n.precision}, ${n.scale})` : `${SC_ADD}(${current}, ${amount}, '${n.type}', 0, 0)`;
}

type Arg = SqlValue | bigint | Buffer;

/** The implementation, called with SQLite's values (integers as bigint: safeIntegers). */
export function scAddImpl(current: Arg, amount: Arg, type: Arg, precision: Arg, scale: Arg): SqlValue | bigint {
  if (Buffer.isBuffer(current) || Buffer.isBuffer(amount)) throw new TypeError('sc_add: blob operand');
  const n: Numeric = type === 'decimal' ? { type: 'decimal', precision: Number(precision), scale: Number(scale) } : { type: type === 'int' ? 'int' : 'bigint' };
  const out = addNumeric(n, current, amount);
  // Integers go back as bigint so SQLite stores them exactly past 2^53.
  return n.type !== 'decimal' && out !== null ? BigInt(out) : out;
}
