/**
 * SQLite identifier quoting: double quotes, a double quote inside the name written twice
 * (https://sqlite.org/lang_keywords.html).
 */
export function quote(identifier: string): string {
  // The check first: names almost never hold a quote, and the SQLite builder quotes every column
  // of every row's statement.
  return identifier.includes('"') ? `"${identifier.replaceAll('"', '""')}"` : `"${identifier}"`;
}
