/**
 * How PostgreSQL's values read back, made the same as MariaDB's and SQLite's (the README's "the
 * same rows on every database"): a datetime as 'YYYY-MM-DD HH:MM:SS.mmm' in UTC, a boolean as
 * 1/0, JSON as its text, and bigint and numeric as exact text (node-postgres' default for them).
 * Pure text functions: connect.ts hands them to the driver as its type parsers.
 */

/** Type OIDs (pg_type.oid, fixed for built-in types: src/include/catalog/pg_type.dat). */
export const OID = { bool: 16, int8: 20, json: 114, timestamp: 1114, timestamptz: 1184, jsonb: 3802, numeric: 1700 } as const;

/**
 * PostgreSQL prints a timestamp's fraction without trailing zeros ('…:05.12', '…:05'), where
 * MariaDB's DATETIME(3) always has three digits; padded here so the text compares equal.
 */
export function timestampText(text: string): string {
  const m = /^(\d{4,}-\d\d-\d\d \d\d:\d\d:\d\d)(?:\.(\d+))?(.*)$/u.exec(text);
  if (m === null) return text; // infinity, -infinity: left as PostgreSQL writes them
  const fraction = (m[2] ?? '').padEnd(3, '0');
  return `${m[1] ?? ''}.${fraction}${m[3] ?? ''}`;
}

/** 't'/'f' as the 1/0 MariaDB's TINYINT(1) and SQLite's INTEGER booleans read back as. */
export function booleanNumber(text: string): number {
  return text === 't' ? 1 : 0;
}

/** The parser of each overridden type's text form; others keep the driver's default. */
export const TEXT_PARSERS: ReadonlyMap<number, (text: string) => unknown> = new Map<number, (text: string) => unknown>([
  [OID.bool, booleanNumber],
  [OID.timestamp, timestampText],
  // The engine writes UTC and the session's zone is UTC, so a timestamptz reads as UTC text too.
  [OID.timestamptz, (t: string) => timestampText(t).replace(/\+00(?::00)?$/u, '')],
  [OID.json, (t: string) => t],
  [OID.jsonb, (t: string) => t],
  [OID.int8, (t: string) => t],
  [OID.numeric, (t: string) => t],
]);
