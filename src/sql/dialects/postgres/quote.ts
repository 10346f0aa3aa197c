/**
 * PostgreSQL identifier quoting: double quotes, a double quote inside the name written twice
 * (https://www.postgresql.org/docs/15/sql-syntax-lexical.html#SQL-SYNTAX-IDENTIFIERS). Quoted
 * names keep their case, so the spec's names are the tables' names exactly.
 */
export function quote(identifier: string): string {
  return identifier.includes('"') ? `"${identifier.replaceAll('"', '""')}"` : `"${identifier}"`;
}
