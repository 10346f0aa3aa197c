/**
 * The engine's JSON paths (runtime/apply/json-values.ts jsonPath: `$`, then `[n]` for an array
 * index and `."key"` for a key, the key a JSON string) as the text[] literal jsonb_set takes
 * (https://www.postgresql.org/docs/15/functions-json.html): `$[0]."a b"` is `{"0","a b"}`.
 */
export function jsonbPath(path: string): string {
  if (!path.startsWith('$')) throw new Error(`not a JSON path: ${path}`);
  const parts: string[] = [];
  let i = 1;
  while (i < path.length) {
    const index = /^\[(\d+)\]/u.exec(path.slice(i));
    if (index !== null) {
      parts.push(index[1] as string);
      i += index[0].length;
      continue;
    }
    const key = /^\.("(?:[^"\\]|\\.)*")/u.exec(path.slice(i));
    if (key === null) throw new Error(`not a JSON path the engine writes: ${path}`);
    parts.push(JSON.parse(key[1] as string) as string);
    i += key[0].length;
  }
  // Array literal elements: double-quoted, with `"` and `\` escaped by a backslash
  // (https://www.postgresql.org/docs/15/arrays.html#ARRAYS-IO).
  return `{${parts.map((p) => `"${p.replace(/[\\"]/gu, (c) => `\\${c}`)}"`).join(',')}}`;
}
