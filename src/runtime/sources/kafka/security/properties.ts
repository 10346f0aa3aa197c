/**
 * A Java `.properties` text as key/value entries with the line each starts on, the way
 * java.util.Properties#load reads it (https://docs.oracle.com/javase/8/docs/api/java/util/Properties.html#load-java.io.Reader-):
 * `#` and `!` comments, `key=value`, `key: value` or `key value`, a line ending in an odd number
 * of backslashes continued on the next (its leading blanks dropped), and the escapes \t \n \r \f
 * \uXXXX (any other escaped character stands for itself, so `C:\\certs` is `C:\certs`).
 * Pure: the caller reads the file.
 */

export interface PropertyEntry {
  key: string;
  value: string;
  /** 1-based line the entry starts on. */
  line: number;
}

const BLANK = /[ \t\f]/;

export function parseProperties(text: string): PropertyEntry[] {
  const physical = text.split(/\r\n|\r|\n/);
  const out: PropertyEntry[] = [];
  for (let i = 0; i < physical.length; i++) {
    const start = i;
    let logical = (physical[i] ?? '').replace(/^[ \t\f]+/, '');
    if (logical === '' || logical.startsWith('#') || logical.startsWith('!')) continue;
    while (endsInContinuation(logical) && i + 1 < physical.length) {
      i++;
      logical = logical.slice(0, -1) + (physical[i] ?? '').replace(/^[ \t\f]+/, '');
    }
    if (endsInContinuation(logical)) logical = logical.slice(0, -1);
    out.push({ ...splitEntry(logical), line: start + 1 });
  }
  return out;
}

function endsInContinuation(s: string): boolean {
  let n = 0;
  for (let j = s.length - 1; j >= 0 && s[j] === '\\'; j--) n++;
  return n % 2 === 1;
}

/** The key ends at the first unescaped `=`, `:` or blank; one separator and the blanks around it go. */
function splitEntry(s: string): { key: string; value: string } {
  let k = 0;
  while (k < s.length) {
    const c = s[k] as string;
    if (c === '\\') { k += 2; continue; }
    if (c === '=' || c === ':' || BLANK.test(c)) break;
    k++;
  }
  let v = k;
  while (v < s.length && BLANK.test(s[v] as string)) v++;
  if (v < s.length && (s[v] === '=' || s[v] === ':')) v++;
  while (v < s.length && BLANK.test(s[v] as string)) v++;
  return { key: unescape(s.slice(0, k)), value: unescape(s.slice(v)) };
}

const ESCAPES: Record<string, string> = { t: '\t', n: '\n', r: '\r', f: '\f' };

function unescape(s: string): string {
  return s.replace(/\\(u[0-9a-fA-F]{4}|.)/g, (_, e: string) => (e.length === 5 ? String.fromCharCode(parseInt(e.slice(1), 16)) : ESCAPES[e] ?? e));
}
