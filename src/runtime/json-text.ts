/**
 * The source text of one value inside a JSON document. JSON.parse rounds numbers past 2^53
 * (9007199254740993 parses as …992), so where the exact digits matter (a numeric event id) they
 * are read back from the text. Only called on the rare path (a parsed number that is not a safe
 * integer), on text JSON.parse has already accepted, so the scanner need not validate.
 */

/**
 * The raw text of the value at `segments` (object keys, array indexes) in `text`, or undefined
 * when the path does not lead to a value. A duplicated key resolves to its last occurrence, as in
 * JSON.parse.
 */
export function rawJsonAt(text: string, segments: ReadonlyArray<string | number>): string | undefined {
  let start = skipSpace(text, 0);
  for (const seg of segments) {
    const found = child(text, start, seg);
    if (found === undefined) return undefined;
    start = found;
  }
  return text.slice(start, valueEnd(text, start));
}

/**
 * Some double-precision number of the text may have lost digits in JSON.parse: that needs at
 * least 16 significant digits, which stand together (at most a `.` among them). A cheap pre-check
 * before `rawJsonAt` is worth running; false positives (long digit strings) only cost a scan.
 */
export function mayHoldInexactNumber(text: string): boolean {
  return /[\d.]{16}/u.test(text);
}

function skipSpace(text: string, i: number): number {
  let c = text.charCodeAt(i);
  while (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) c = text.charCodeAt(++i);
  return i;
}

/** The position just after the string literal starting at `i` (a `"`). */
function stringEnd(text: string, i: number): number {
  for (let j = i + 1; j < text.length; j++) {
    const c = text.charCodeAt(j);
    if (c === 0x5c) j++;
    else if (c === 0x22) return j + 1;
  }
  return text.length;
}

/** The position just after the value starting at `i`. */
function valueEnd(text: string, i: number): number {
  const c = text[i];
  if (c === '"') return stringEnd(text, i);
  if (c === '{' || c === '[') {
    let depth = 0;
    for (let j = i; j < text.length; j++) {
      const d = text[j];
      if (d === '"') j = stringEnd(text, j) - 1;
      else if (d === '{' || d === '[') depth++;
      else if (d === '}' || d === ']') {
        depth--;
        if (depth === 0) return j + 1;
      }
    }
    return text.length;
  }
  // A number, true, false or null: up to the next delimiter.
  let j = i;
  for (let c = text.charCodeAt(j); j < text.length && c !== 0x2c && c !== 0x7d && c !== 0x5d && c > 0x20; c = text.charCodeAt(++j));
  return j;
}

/** The start of the member `seg` of the object or array whose value starts at `i`. */
function child(text: string, i: number, seg: string | number): number | undefined {
  const open = text[i];
  if (typeof seg === 'number') {
    if (open !== '[') return undefined;
    let j = skipSpace(text, i + 1);
    for (let n = 0; text[j] !== ']' && j < text.length; n++) {
      if (n === seg) return j;
      j = skipSpace(text, valueEnd(text, j));
      if (text[j] === ',') j = skipSpace(text, j + 1);
    }
    return undefined;
  }
  if (open !== '{') return undefined;
  let found: number | undefined;
  let j = skipSpace(text, i + 1);
  while (text[j] === '"') {
    const keyEnd = stringEnd(text, j);
    const raw = text.slice(j + 1, keyEnd - 1);
    const key = raw.includes('\\') ? (JSON.parse(text.slice(j, keyEnd)) as string) : raw;
    j = skipSpace(text, keyEnd);
    j = skipSpace(text, j + 1); // the ':'
    if (key === seg) found = j;
    j = skipSpace(text, valueEnd(text, j));
    if (text[j] === ',') j = skipSpace(text, j + 1);
  }
  return found;
}
