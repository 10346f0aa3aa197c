/** `json` keys: parsed when the message is decoded, exactly (numbers past 2^53 kept as written). */
import { isUtf8 } from 'node:buffer';
import { inexactNumberIn, mayHoldInexactNumber, parseExact } from '../json-text.js';
import type { Decoded, KeyFormat } from './format.js';

export const jsonKey: KeyFormat = { eager: true, decode: (key) => parseJson(key, 'key') };

/** JSON bytes → a value, or why not (the dead letter's reason, naming `what`). */
export function parseJson(bytes: Buffer, what: string): Decoded {
  // toString would replace invalid bytes with U+FFFD: a key the producer never sent.
  if (!isUtf8(bytes)) return { reason: `${what} is not valid UTF-8` };
  const text = bytes.toString('utf8');
  try {
    const value: unknown = JSON.parse(text);
    // A number JSON.parse rounded: read again exactly (message.ts does the same for values).
    if (mayHoldInexactNumber(text) && inexactNumberIn(text)) return { value: parseExact(text) };
    return { value };
  } catch (e) {
    return { reason: `${what} is not JSON: ${e instanceof Error ? e.message : String(e)}` };
  }
}
