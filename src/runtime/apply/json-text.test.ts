/**
 * The cheap check that runs on every message must never miss a number JSON.parse changes: a miss
 * stores a rounded value silently (issue 18 item 2). Property: over JSON texts with numbers of
 * every shape (long digit runs, big and tiny exponents, negatives, spaces around them, inside
 * arrays and at the top level) and strings that look like numbers, whenever the exact scan
 * (`inexactNumberIn`) finds a changed number, `mayHoldInexactNumber` says so too.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { inexactNumberIn, mayHoldInexactNumber } from './json-text.js';

const digits = (min: number, max: number) => fc.stringMatching(new RegExp(`^[0-9]{${min},${max}}$`));

/** A JSON number's text, often one a double cannot hold. */
const numberText = fc.tuple(
  fc.constantFrom('', '-'),
  fc.oneof(fc.constant('0'), digits(1, 24).map((d) => d.replace(/^0+(?=\d)/u, ''))),
  fc.option(digits(1, 24), { nil: undefined }),
  fc.option(fc.tuple(fc.constantFrom('e', 'E'), fc.constantFrom('', '+', '-'), digits(1, 4)), { nil: undefined }),
).map(([sign, int, frac, exp]) => `${sign}${int}${frac === undefined ? '' : `.${frac}`}${exp === undefined ? '' : exp.join('')}`);

const space = fc.constantFrom('', ' ', '\n  ', '\t');
const stringText = fc.oneof(fc.string(), digits(10, 30), fc.uuid(), fc.constant('4584e186-1e400')).map((s) => JSON.stringify(s));

const value: fc.Arbitrary<string> = fc.letrec<{ v: string }>((tie) => ({
  v: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    numberText,
    stringText,
    fc.array(fc.tuple(space, tie('v'), space).map((p) => p.join('')), { maxLength: 4 }).map((a) => `[${a.join(',')}]`),
    fc.array(fc.tuple(stringText, space, tie('v')), { maxLength: 4 }).map((m) => `{${m.map(([k, s, v]) => `${k}:${s}${v}`).join(',')}}`),
  ),
})).v;

describe('mayHoldInexactNumber', () => {
  it('never misses a number JSON.parse changes (property)', () => {
    fc.assert(
      fc.property(value, (text) => {
        JSON.parse(text);
        if (inexactNumberIn(text)) expect(mayHoldInexactNumber(text)).toBe(true);
      }),
      { numRuns: 3000 },
    );
  });

  it('finds each kind where it stands', () => {
    for (const t of ['9007199254740993', '{"a":9007199254740993}', '{"a": 1e-400}', '[1,\n 1e400]', '{"a":1234567890123456.78}', '{"b":"x","a":-1e-400}', '{"a":0.10000000000000000001}']) {
      expect([t, inexactNumberIn(t), mayHoldInexactNumber(t)]).toEqual([t, true, true]);
    }
  });

  it('passes over ordinary messages: UUIDs, timestamps, hex ids, small numbers', () => {
    const t = '{"event_type":"a.b","event_id":"6a8c54de-05fc-4e90-be67-396e3006df1b","timestamp":"2026-01-05T00:00:01.266Z","entity_id":"695aff01b2d20c46da000155","entity_version":1,"data":{"x":"4584e186","n":12.5,"m":1e10}}';
    expect(mayHoldInexactNumber(t)).toBe(false);
  });
});
