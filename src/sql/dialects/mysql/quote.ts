/**
 * MariaDB/MySQL identifier quoting: backticks, a backtick inside the name written twice
 * (https://mariadb.com/kb/en/identifier-names/#quote-character).
 */
export function quote(identifier: string): string {
  // The check first: names almost never hold a backtick, and this runs for every column of
  // every statement, so the common case is one scan and a concatenation.
  return identifier.includes('`') ? '`' + identifier.replaceAll('`', '``') + '`' : '`' + identifier + '`';
}
