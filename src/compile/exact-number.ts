/**
 * A JSON number that a double cannot hold exactly (9007199254740993, 1.00499999999999999999,
 * 1e-400, 1e400), kept as the text the producer wrote. The decoder (runtime/apply/json-text.ts) makes
 * one only on the rare path, for numbers JSON.parse would round; every other number stays a JS
 * number. Column coercion stores the text exactly or refuses it with a reason, a json column
 * writes it digit for digit, and nothing reads it as a rounded double by accident.
 */
import { stringify } from 'lossless-json';

/** The text lives under a symbol, so no event path (`$.price.text`) can read into the number. */
const TEXT: unique symbol = Symbol('exact number text');

export class ExactNumber {
  readonly [TEXT]: string;
  constructor(text: string) {
    this[TEXT] = text;
  }

  /** The number as written in the message. */
  get text(): string {
    return this[TEXT];
  }

  /** `String(n)` and template literals give the text, as for a number. */
  toString(): string {
    return this[TEXT];
  }

  /**
   * Arithmetic would silently use a rounded double, which is what this class exists to prevent:
   * a code path that forgot the class fails loudly (the event is dead-lettered) instead.
   */
  valueOf(): never {
    throw new TypeError(`the number ${this[TEXT]} has no exact double value`);
  }
}

export function isExactNumber(v: unknown): v is ExactNumber {
  return v instanceof ExactNumber;
}

const EXACT_STRINGIFIER = [{ test: isExactNumber, stringify: (v: unknown) => (v as ExactNumber).text }];

type Replacer = (key: string, value: unknown) => unknown;

/**
 * JSON text of `v` with exact numbers written as they came: JSON.stringify in the common case,
 * lossless-json's stringify (same output rules) only when the value holds an ExactNumber.
 * `replacer` is applied on both paths; undefined when JSON.stringify would give undefined.
 */
export function jsonText(v: unknown, replacer?: Replacer): string | undefined {
  let exact = false;
  const text = JSON.stringify(v, (key, x: unknown) => {
    if (exact) return undefined;
    if (typeof x === 'object' && x instanceof ExactNumber) {
      exact = true;
      return undefined;
    }
    return replacer === undefined ? x : replacer(key, x);
  });
  if (!exact) return text;
  return stringify(v, replacer === undefined ? null : (key, x) => (x instanceof ExactNumber ? x : replacer(key, x)), undefined, EXACT_STRINGIFIER);
}
