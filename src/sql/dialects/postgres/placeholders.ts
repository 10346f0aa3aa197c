/**
 * The engine writes `?` placeholders; PostgreSQL numbers them (`$1`, `$2`…). Converted once per
 * statement text, outside of what is not SQL code: a string literal ('it''s?', E'\'?'), a
 * dollar-quoted string ($t$?$t$), a quoted identifier ("a?b", a spec's name may hold anything
 * the quoting made safe) and a comment. Lexical rules:
 * https://www.postgresql.org/docs/15/sql-syntax-lexical.html.
 */

/** `sql` with each placeholder `?` numbered `$1`, `$2`… from the left; everything else unchanged. */
export function numberPlaceholders(sql: string): string {
  if (!sql.includes('?')) return sql;
  let out = '';
  let n = 0;
  let i = 0;
  while (i < sql.length) {
    const c = sql[i] as string;
    const end = skip(sql, i);
    if (end > i) {
      out += sql.slice(i, end);
      i = end;
    } else {
      out += c === '?' ? `$${++n}` : c;
      i++;
    }
  }
  return out;
}

/** Where the literal, identifier or comment starting at `i` ends; `i` when none starts there. */
function skip(sql: string, i: number): number {
  const c = sql[i];
  const next = sql[i + 1];
  if (c === "'") return quoted(sql, i + 1, "'", (sql[i - 1] === 'E' || sql[i - 1] === 'e') && !identChar(sql[i - 2]));
  if (c === '"') return quoted(sql, i + 1, '"', false);
  if (c === '-' && next === '-') {
    const eol = sql.indexOf('\n', i);
    return eol < 0 ? sql.length : eol + 1;
  }
  if (c === '/' && next === '*') return blockComment(sql, i);
  if (c === '$' && !identChar(sql[i - 1])) {
    const tag = /^\$(?:[A-Za-z_][A-Za-z_0-9]*)?\$/u.exec(sql.slice(i));
    if (tag !== null) {
      const close = sql.indexOf(tag[0], i + tag[0].length);
      return close < 0 ? sql.length : close + tag[0].length;
    }
  }
  return i;
}

function identChar(c: string | undefined): boolean {
  return c !== undefined && /[A-Za-z_0-9$]/u.test(c);
}

/** The end of a literal opened before `from`: a doubled quote is one quote; in E'' strings a backslash escapes. */
function quoted(sql: string, from: number, q: string, backslashes: boolean): number {
  let i = from;
  while (i < sql.length) {
    const c = sql[i];
    if (backslashes && c === '\\') i += 2;
    else if (c === q && sql[i + 1] === q) i += 2;
    else if (c === q) return i + 1;
    else i++;
  }
  return sql.length;
}

/** Block comments nest in PostgreSQL, unlike the SQL standard's. */
function blockComment(sql: string, from: number): number {
  let depth = 0;
  let i = from;
  while (i < sql.length) {
    if (sql[i] === '/' && sql[i + 1] === '*') {
      depth++;
      i += 2;
    } else if (sql[i] === '*' && sql[i + 1] === '/') {
      depth--;
      i += 2;
      if (depth === 0) return i;
    } else i++;
  }
  return sql.length;
}
