import { describe, expect, it } from 'vitest';
import type { ColumnDef } from '../compile/plan.js';
import type { ColumnType } from '../spec/types.js';
import fc from 'fast-check';
import { coerce, CoerceError, coerceLiteral } from './coerce.js';
import { formatScaled, integerDigits, scaledDecimal } from './numeric.js';

const col = (type: ColumnType, name = 'c'): ColumnDef => ({ name, type, nullable: true });
const TYPES: ColumnType[] = ['string', 'text', 'int', 'bigint', 'decimal', 'boolean', 'datetime', 'json'];

function ok(type: ColumnType, cases: Array<[unknown, unknown]>): void {
  it.each(cases)(`${type}: %j → %j`, (input, want) => {
    expect(coerce(col(type), input)).toStrictEqual(want);
    expect(coerceLiteral(col(type), input)).toBeNull();
  });
}

function bad(type: ColumnType, cases: Array<[unknown, RegExp]>): void {
  it.each(cases)(`${type}: rejects %o`, (input, reason) => {
    expect(() => coerce(col(type), input)).toThrow(CoerceError);
    expect(() => coerce(col(type), input)).toThrow(reason);
    expect(coerceLiteral(col(type), input)).toMatch(reason);
  });
}

describe('null and undefined', () => {
  it.each(TYPES)('%s: both become SQL NULL', (type) => {
    expect(coerce(col(type), null)).toBeNull();
    expect(coerce(col(type), undefined)).toBeNull();
  });
});

describe('string and text', () => {
  for (const type of ['string', 'text'] as const) {
    ok(type, [
      ['plain', 'plain'],
      ['', ''],
      ["O'Brien", "O'Brien"],
      ['Zoë — naïve café', 'Zoë — naïve café'],
      ['日本語テキスト', '日本語テキスト'],
      ['emoji 😀👍🏽🏳️‍🌈', 'emoji 😀👍🏽🏳️‍🌈'],
      ['line\nbreak\ttab \\ backslash', 'line\nbreak\ttab \\ backslash'],
      [42, '42'],
      [-1.5, '-1.5'],
      [0, '0'],
      [true, 'true'],
      [false, 'false'],
    ]);
    bad(type, [
      [{ a: 1 }, /expected a string, got an object/],
      [[1], /expected a string, got an array/],
      [Number.NaN, /got NaN/],
      [Infinity, /got Infinity/],
      ['a\ud800b', /lone UTF-16 surrogate/],
      ['\udc00', /lone UTF-16 surrogate/],
      ['a\u0000b', /NUL character .*refused on every database/],
    ]);
  }
  it('counts a string limit in characters, 4-byte characters as one', () => {
    const c: ColumnDef = { name: 's', type: 'string', nullable: true, length: 3 };
    expect(coerce(c, '😀😀😀')).toBe('😀😀😀');
    expect(() => coerce(c, '😀😀😀😀')).toThrow(/4 characters is longer than 3/);
  });
});

describe('int and bigint', () => {
  for (const type of ['int', 'bigint'] as const) {
    ok(type, [
      [0, 0],
      [42, 42],
      [-7, -7],
      ['123', '123'],
      ['-123', '-123'],
      ['007', '7'],
      [true, 1],
      [false, 0],
    ]);
    bad(type, [
      [1.5, /expected an integer, got 1.5/],
      ['abc', /expected an integer, got "abc"/],
      ['1.0', /expected an integer/],
      ['', /expected an integer, got ""/],
      [' 1', /expected an integer/],
      ['1e3', /expected an integer/],
      [{}, /got an object/],
      [[], /got an array/],
      [Number.NaN, /got NaN/],
    ]);
  }
  // A double past 2^53 reaching a column is the value of its shortest text: the decoder keeps a
  // number whose text differs (…846976 as written) as an ExactNumber, so a double here was
  // written as 1152921504606847000. A spec's literal was read by the YAML parser, which may have
  // rounded it.
  it('an event number past 2^53 is the value of its text; a literal one is refused', () => {
    expect(coerce(col('bigint'), 2 ** 60)).toBe('1152921504606847000');
    expect(() => coerce(col('int'), 2 ** 60)).toThrow(/out of range/);
    expect(coerceLiteral(col('bigint'), 2 ** 60)).toMatch(/beyond 2\^53 it must be written as a string/);
  });
  ok('int', [
    [2147483647, 2147483647],
    [-2147483648, -2147483648],
  ]);
  bad('int', [
    [2147483648, /out of range/],
    ['9007199254740993', /out of range/],
  ]);
  ok('bigint', [
    ['9007199254740993', '9007199254740993'],
    ['9223372036854775807', '9223372036854775807'],
    ['-9223372036854775808', '-9223372036854775808'],
    [Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
  ]);
  bad('bigint', [['9223372036854775808', /out of range/]]);
});

describe('decimal', () => {
  // MariaDB's DECIMAL(18,2) (the default): rounded half away from zero to 2 digits, as exact text.
  ok('decimal', [
    [0, '0.00'],
    [12.5, '12.50'],
    [-0.001, '0.00'],
    ['12.50', '12.50'],
    ['-3', '-3.00'],
    ['.5', '0.50'],
    ['5.', '5.00'],
    ['1234567890123456.123456789', '1234567890123456.12'],
    ['-0001234567890123456.5', '-1234567890123456.50'],
    [1234567890123456, '1234567890123456.00'],
  ]);
  it('rounds half away from zero to the scale, as MariaDB stores it (issue 12)', () => {
    const c: ColumnDef = { name: 'price', type: 'decimal', nullable: true, precision: 12, scale: 2 };
    expect(coerce(c, '12.345')).toBe('12.35');
    expect(coerce(c, 12.345)).toBe('12.35');
    expect(coerce(c, '0.005')).toBe('0.01');
    expect(coerce(c, '-0.005')).toBe('-0.01');
    expect(coerce(c, '-0.004')).toBe('0.00');
    expect(coerce(c, 1.005)).toBe('1.01');
    expect(coerce(c, 0.1 + 0.2)).toBe('0.30');
    expect(coerce(c, 1e-7)).toBe('0.00');
    expect(coerce({ ...c, scale: 0 }, '2.5')).toBe('3');
    expect(coerce({ ...c, scale: 0 }, '-2.5')).toBe('-3');
    expect(coerce({ ...c, precision: 30, scale: 10 }, 1.5e-9)).toBe('0.0000000015');
  });
  it('rejects more integer digits than precision - scale after rounding, from strings and numbers', () => {
    const c: ColumnDef = { name: 'price', type: 'decimal', nullable: true, precision: 10, scale: 2 };
    expect(coerce(c, '12345678.99')).toBe('12345678.99');
    expect(coerce(c, -12345678.5)).toBe('-12345678.50');
    expect(() => coerce(c, '123456789')).toThrow(/out of range for decimal\(10,2\): 9 integer digits, at most 8/);
    expect(() => coerce(c, 123456789.5)).toThrow(/9 integer digits/);
    expect(() => coerce(c, 1e21)).toThrow(/22 integer digits/);
    // 99999999.995 rounds to 100000000.00: out of range, as MariaDB says.
    expect(() => coerce(c, '99999999.995')).toThrow(/9 integer digits/);
    expect(coerce(c, '99999999.994')).toBe('99999999.99');
    expect(coerceLiteral(c, '-123456789')).toMatch(/integer digits/);
    expect(coerce({ ...c, precision: 20, scale: 2 }, '123456789012345678')).toBe('123456789012345678.00');
  });
  bad('decimal', [
    ['abc', /expected a decimal number, got "abc"/],
    ['1,5', /expected a decimal/],
    ['', /expected a decimal/],
    ['.', /expected a decimal/],
    ['1e5', /expected a decimal/],
    [true, /got true/],
    [Number.NaN, /got NaN/],
    [-Infinity, /got -Infinity/],
    [{ v: 1 }, /got an object/],
    ['123456789012345678901234.123456789', /out of range for decimal\(18,2\): 24 integer digits, at most 16/],
    [1e17, /18 integer digits/],
  ]);
});

describe('boolean', () => {
  ok('boolean', [
    [true, 1],
    [false, 0],
    [1, 1],
    [0, 0],
    ['true', 1],
    ['false', 0],
  ]);
  bad('boolean', [
    [2, /expected true, false, 1 or 0, got 2/],
    ['yes', /got "yes"/],
    ['TRUE', /got "TRUE"/],
    ['1', /got "1"/],
    ['', /got ""/],
    [[], /got an array/],
  ]);
});

describe('datetime', () => {
  ok('datetime', [
    ['2026-01-05T10:00:00Z', '2026-01-05 10:00:00.000'],
    ['2026-01-05T10:00:00z', '2026-01-05 10:00:00.000'],
    ['2026-01-05T10:00:00.123Z', '2026-01-05 10:00:00.123'],
    ['2026-01-05T10:00:00.1Z', '2026-01-05 10:00:00.100'],
    ['2026-01-05T10:00:00.123456+00:00', '2026-01-05 10:00:00.123'],
    ['2026-01-05T10:00:00.999999999Z', '2026-01-05 10:00:00.999'],
    ['2026-01-05T10:00:00+02:00', '2026-01-05 08:00:00.000'],
    ['2026-01-05T10:00:00-05:30', '2026-01-05 15:30:00.000'],
    ['2026-01-05T10:00:00+0530', '2026-01-05 04:30:00.000'],
    ['2026-01-05T10:00:00+01', '2026-01-05 09:00:00.000'],
    ['2026-01-01T01:00:00+02:00', '2025-12-31 23:00:00.000'],
    ['2025-12-31T23:30:00.5-01:00', '2026-01-01 00:30:00.500'],
    ['2026-01-05 10:00:00', '2026-01-05 10:00:00.000'],
    ['2026-01-05 10:00:00.5', '2026-01-05 10:00:00.500'],
    ['2026-01-05T10:00:00', '2026-01-05 10:00:00.000'],
    ['2026-01-05', '2026-01-05 00:00:00.000'],
    ['2024-02-29T12:00:00Z', '2024-02-29 12:00:00.000'],
    ['2000-02-29', '2000-02-29 00:00:00.000'],
    ['0099-03-01', '0099-03-01 00:00:00.000'],
    ['0001-01-01', '0001-01-01 00:00:00.000'],
    ['0000-12-31T23:00:00-01:00', '0001-01-01 00:00:00.000'],
    [-62135596800000, '0001-01-01 00:00:00.000'],
    ['9999-12-31T23:59:59.999Z', '9999-12-31 23:59:59.999'],
    [0, '1970-01-01 00:00:00.000'],
    [1767607200123, '2026-01-05 10:00:00.123'],
    [1767607200123.9, '2026-01-05 10:00:00.123'],
    [-1, '1969-12-31 23:59:59.999'],
    [new Date(Date.UTC(2026, 0, 5, 10)), '2026-01-05 10:00:00.000'],
  ]);
  bad('datetime', [
    ['yesterday', /expected an ISO-8601 date-time, got "yesterday"/],
    ['', /expected an ISO-8601 date-time/],
    ['2026-02-30', /invalid day 30 of 2026-02/],
    ['2025-02-29T00:00:00Z', /invalid day 29 of 2025-02/],
    ['1900-02-29', /invalid day 29/],
    ['2026-13-01', /invalid month 13/],
    ['2026-00-10', /invalid month 0/],
    ['2026-04-31', /invalid day 31/],
    ['2026-01-05T24:00:00Z', /invalid hour 24/],
    ['2026-01-05T10:60:00Z', /invalid minute 60/],
    ['2026-01-05T10:00:60Z', /invalid second 60/],
    ['2026-01-05T10:00:00+24:00', /invalid offset/],
    ['2026-01-05T10:00:00+05:60', /invalid offset/],
    ['2026-01-05T10:00Z', /expected an ISO-8601/],
    ['2026-01-05T10:00:00.Z', /expected an ISO-8601/],
    ['2026-01-05T10:00:00.1234567890Z', /expected an ISO-8601/],
    ['2026-1-5', /expected an ISO-8601/],
    ['05/01/2026', /expected an ISO-8601/],
    ['2026-01-05Z', /expected an ISO-8601/],
    ['2026-01-05T10:00:00 Z', /expected an ISO-8601/],
    ['Mon, 05 Jan 2026 10:00:00 GMT', /expected an ISO-8601/],
    ['1767607200123', /expected an ISO-8601/],
    ['0000-01-01T00:30:00+01:00', /outside years 0001–9999/],
    ['0000-01-01', /outside years 0001–9999/],
    ['0000-12-31T23:59:59.999Z', /outside years 0001–9999/],
    [-62135596800001, /outside years 0001–9999/],
    ['9999-12-31T23:30:00-01:00', /outside years/],
    [Number.NaN, /got NaN/],
    [1e20, /outside years/],
    [true, /got true/],
    [{}, /got an object/],
    [new Date(Number.NaN), /Invalid Date/],
  ]);

  it('names the column and type in the message', () => {
    expect(() => coerce(col('datetime', 'created_at'), 'yesterday')).toThrow(
      'column created_at (datetime): expected an ISO-8601 date-time, got "yesterday"',
    );
  });
});

describe('json', () => {
  ok('json', [
    [{ a: 1, b: [true, null] }, '{"a":1,"b":[true,null]}'],
    [[], '[]'],
    [{}, '{}'],
    ['text', '"text"'],
    ["it's \"quoted\"", '"it\'s \\"quoted\\""'],
    ['😀 日本', '"😀 日本"'],
    [0, '0'],
    [false, 'false'],
    [{ nested: { deep: [{ x: 'ü' }] } }, '{"nested":{"deep":[{"x":"ü"}]}}'],
  ]);
  const circular: Record<string, unknown> = {};
  circular.self = circular;
  bad('json', [
    [Number.NaN, /cannot hold NaN/],
    [{ a: [1, Infinity] }, /cannot hold Infinity/],
    [{ big: 1n }, /not serializable as JSON/],
    [circular, /not serializable as JSON/],
    [() => 1, /expected a JSON value, got a function/],
    ['a\u0000', /JSON value holds a NUL character/],
    [{ 'k\u0000': 1 }, /JSON value holds a NUL character/],
    [{ a: ['\u0000'] }, /JSON value holds a NUL character/],
  ]);
});

describe('CoerceError', () => {
  it('carries the column, type and reason', () => {
    try {
      coerce(col('int', 'qty'), 'abc');
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(CoerceError);
      const err = e as CoerceError;
      expect(err.column).toBe('qty');
      expect(err.type).toBe('int');
      expect(err.reason).toBe('expected an integer, got "abc"');
      expect(err.message).toBe('column qty (int): expected an integer, got "abc"');
      expect(err.name).toBe('CoerceError');
    }
  });

  it('truncates long strings in messages', () => {
    const msg = coerceLiteral(col('int'), 'x'.repeat(500)) ?? '';
    expect(msg.length).toBeLessThan(120);
    expect(msg).toContain('...');
  });
});

describe('string length', () => {
  const col = { name: 'code', type: 'string' as const, length: 3, nullable: false };
  it('counts characters, not bytes or UTF-16 units', () => {
    expect(coerce(col, 'a🎉é')).toBe('a🎉é');
  });
  it('rejects a value longer than the column', () => {
    expect(() => coerce(col, 'abcd')).toThrow(/4 characters is longer than 3/);
    expect(coerceLiteral(col, 'abcd')).toMatch(/longer than 3/);
  });
});

describe('fast paths give what the exact paths give', () => {
  // The plain-decimal, safe-integer and UTC date-time shortcuts must be indistinguishable from
  // the general conversions: compared here with those conversions written out independently.
  const decimal = (precision: number, scale: number): ColumnDef => ({ name: 'd', type: 'decimal', nullable: true, precision, scale });
  it('decimal text and numbers: the same text as exact rounding, or the same rejection', () => {
    fc.assert(fc.property(
      fc.integer({ min: 1, max: 30 }), fc.integer({ min: 0, max: 6 }), fc.boolean(), fc.stringMatching(/^(0|[1-9]\d{0,25})$/), fc.stringMatching(/^\d{0,8}$/), fc.boolean(),
      (precision, scaleRaw, neg, int, frac, asNumber) => {
        const scale = Math.min(scaleRaw, precision);
        const text = `${neg ? '-' : ''}${int}${frac === '' ? '' : `.${frac}`}`;
        const input: string | number = asNumber ? Number(text) : text;
        const scaled = scaledDecimal(input, scale) as bigint;
        const want = integerDigits(scaled, scale) > precision - scale ? undefined : formatScaled(scaled, scale);
        let got: unknown;
        try { got = coerce(decimal(precision, scale), input); } catch { got = undefined; }
        expect(got).toBe(want);
      },
    ), { numRuns: 3000 });
  });
  it('integers: numbers at and past the ranges', () => {
    expect(coerce(col('int'), 2147483647)).toBe(2147483647);
    expect(coerce(col('int'), -2147483648)).toBe(-2147483648);
    expect(() => coerce(col('int'), 2147483648)).toThrow(/out of range/);
    expect(() => coerce(col('int'), -2147483649)).toThrow(/out of range/);
    expect(coerce(col('bigint'), Number.MAX_SAFE_INTEGER)).toBe(Number.MAX_SAFE_INTEGER);
    expect(coerce(col('bigint'), -Number.MAX_SAFE_INTEGER)).toBe(-Number.MAX_SAFE_INTEGER);
  });
  it('UTC date-times: the same text as through a Date', () => {
    fc.assert(fc.property(fc.date({ min: new Date(Date.UTC(0, 0, 1)), max: new Date(Date.UTC(9999, 11, 31, 23, 59, 59, 999)), noInvalidDate: true }), fc.constantFrom('Z', '', '+00:00', '-0000', 'z'), fc.integer({ min: 0, max: 6 }), (d, zone, extra) => {
      const iso = d.toISOString();
      if (!/^\d{4}-/u.test(iso)) return;
      const text = `${iso.slice(0, 19)}.${iso.slice(20, 23)}${'7'.repeat(extra)}${zone}`;
      expect(coerce(col('datetime'), text)).toBe(`${iso.slice(0, 10)} ${iso.slice(11, 23)}`);
      expect(coerce(col('datetime'), iso.slice(0, 10))).toBe(`${iso.slice(0, 10)} 00:00:00.000`);
    }), { numRuns: 2000 });
  });
});
