/** `string`, the default key format: UTF-8 text, read only when a path reads it (compile/evaluate.ts). */
import type { KeyFormat } from './format.js';

export const stringKey: KeyFormat = {
  eager: false,
  // Never called (not eager): `$key` reads the text itself, throwing KeyNotUtf8 for binary keys.
  decode: (key) => ({ value: key.toString('utf8') }),
};
