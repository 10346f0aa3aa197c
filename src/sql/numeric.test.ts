import { describe, expect, it } from 'vitest';
import { addNumeric, formatScaled, negateNumeric, scaledDecimal, sumAmounts } from './numeric.js';
import { scAddImpl } from './dialects/sqlite/functions.js';

const dec = { type: 'decimal', precision: 12, scale: 2 } as const;

describe('exact decimals (issue 12: MariaDB rounds, SQLite kept 12.345)', () => {
  it('scales and rounds half away from zero', () => {
    expect(scaledDecimal('12.345', 2)).toBe(1235n);
    expect(scaledDecimal('-12.345', 2)).toBe(-1235n);
    expect(scaledDecimal('12.344999', 2)).toBe(1234n);
    expect(scaledDecimal(1e21, 0)).toBe(10n ** 21n);
    expect(scaledDecimal('1.5e-3', 3)).toBe(2n);
    expect(scaledDecimal('.', 2)).toBeUndefined();
    expect(formatScaled(-5n, 2)).toBe('-0.05');
    expect(formatScaled(0n, 0)).toBe('0');
  });

  it('adds exactly where floating point would not, and rejects what does not fit', () => {
    expect(addNumeric(dec, 0.1, '0.20')).toBe('0.30');
    expect(addNumeric(dec, '9999999999.98', '0.01')).toBe('9999999999.99');
    expect(() => addNumeric(dec, '9999999999.99', '0.01')).toThrow(/out of range value for decimal\(12,2\)/);
    expect(addNumeric(dec, null, '1.00')).toBeNull();
  });

  it('adds integers past 2^53 exactly and checks INT and BIGINT ranges', () => {
    expect(addNumeric({ type: 'bigint' }, '9007199254740993', 2)).toBe('9007199254740995');
    expect(addNumeric({ type: 'bigint' }, 9007199254740991n, -1)).toBe(9007199254740990);
    expect(() => addNumeric({ type: 'bigint' }, '9223372036854775807', 1)).toThrow(/out of range value for bigint/);
    expect(() => addNumeric({ type: 'int' }, 2147483647, 1)).toThrow(/out of range value for int/);
    expect(addNumeric({ type: 'int' }, -2147483647, -1)).toBe(-2147483648);
  });

  it('negates and sums amounts without rounding', () => {
    expect(negateNumeric('0.10')).toBe('-0.10');
    expect(negateNumeric('-0.10')).toBe('0.10');
    expect(negateNumeric('0.00')).toBe('0.00');
    expect(negateNumeric(0)).toBe(0);
    expect(sumAmounts(dec, '0.10', '0.20')).toBe('0.30');
    expect(sumAmounts({ type: 'bigint' }, 9007199254740991, 2)).toBe('9007199254740993');
  });

  it('sc_add takes SQLite values (bigint, REAL, text) and returns bigint for integer columns', () => {
    expect(scAddImpl(5n, 1, 'int', 0n, 0n)).toBe(6n);
    expect(scAddImpl(0.3, '0.01', 'decimal', 12n, 2n)).toBe('0.31');
    expect(scAddImpl(null, 1, 'bigint', 0n, 0n)).toBeNull();
    expect(() => scAddImpl(9223372036854775807n, 1, 'bigint', 0n, 0n)).toThrow(expect.objectContaining({ code: 'SC_OUT_OF_RANGE' }));
  });
});
