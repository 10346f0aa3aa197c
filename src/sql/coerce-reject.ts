/** How a conversion fails in coerce.ts and coerce-datetime.ts, and how a value is shown in the reason. */
import { ExactNumber } from '../compile/exact-number.js';

/** A failed conversion, returned rather than thrown so `coerceLiteral` needs no try/catch. */
export class Reject {
  constructor(readonly reason: string) {}
}

export const fail = (expected: string, v: unknown, hint = ''): Reject => new Reject(`expected ${expected}, got ${show(v)}${hint}`);

export function show(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v.length > 60 ? `${v.slice(0, 57)}...` : v);
  if (v instanceof ExactNumber) return v.text.length > 60 ? `${v.text.slice(0, 57)}...` : v.text;
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object' && v !== null) return 'an object';
  if (typeof v === 'bigint') return `${v}n`;
  if (typeof v === 'function' || typeof v === 'symbol') return `a ${typeof v}`;
  return String(v);
}
