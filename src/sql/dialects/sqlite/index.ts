/** SQLite (better-sqlite3): the Dialect the sqlite: URLs use. */
import type { Dialect } from '../../dialect.js';
import { KEY_COLLATION } from '../../ddl.js';
import { sqliteChanges } from './changes.js';
import { sqliteSchema } from './introspect.js';
import { sqliteErrors } from './errors.js';
import { quote } from './quote.js';

export const sqlite: Dialect = {
  name: 'sqlite',
  changes: sqliteChanges,
  errors: sqliteErrors,
  namedLocks: false,
  quote,
  // SQLite's index names are per database, so DROP INDEX names no table.
  dropIndex: (index) => `drop index ${quote(index)}`,
  insertIgnore: (insert) => `${insert} ON CONFLICT DO NOTHING`,
  insertOrKeep: (insert) => `${insert} ON CONFLICT DO NOTHING`,
  // https://sqlite.org/lang_upsert.html: the conflict target names the key.
  upsert: (insert, key, assignments) => `${insert} ON CONFLICT (${key.map(quote).join(',')}) DO UPDATE SET ${assignments.join(', ')}`,
  excluded: (column) => `excluded.${quote(column)}`,
  stored: (_table, column) => quote(column),
  // SQLite's MAX with two arguments is the scalar one (https://sqlite.org/lang_corefunc.html#max_scalar).
  greatest: (a, b) => `MAX(${a}, ${b})`,
  // One writer at a time: SQLite's write lock already makes transactions take turns.
  lockingRead: (select) => select,
  lockNames: () => undefined,
  // DELETE … LIMIT needs SQLITE_ENABLE_UPDATE_DELETE_LIMIT, which builds leave out by default
  // (https://sqlite.org/lang_delete.html), so the limit goes on a rowid subquery.
  deleteLimited: (table, where, limit) => `DELETE FROM ${quote(table)} WHERE rowid IN (SELECT rowid FROM ${quote(table)} WHERE ${where} LIMIT ${limit})`,
  // group_concat takes no ORDER BY before SQLite 3.44, so the rows are sorted in a subquery;
  // no lock is needed, as transactions take turns.
  selectFingerprintText: (marks) =>
    `SELECT group_concat(x, ',') FROM (SELECT ${quote('projection')} || '=' || ${quote('fingerprint')} AS x FROM ${quote('sc_spec_fingerprints')} WHERE ${quote('projection')} IN (${marks}) ORDER BY ${quote('projection')})`,
  selectTables: (marks) => `SELECT name AS name FROM sqlite_master WHERE type = 'table' AND name IN (${marks})`,
  // ALTER TABLE renames one table; the swap's transaction makes the sequence atomic.
  renameTables: (pairs) => pairs.map(([a, b]) => `ALTER TABLE ${quote(a)} RENAME TO ${quote(b)}`),
  introspect: sqliteSchema,
  // Unused by SQLite's DDL: its key columns compare bytes without a collation.
  keyCollation: () => Promise.resolve(KEY_COLLATION),
  checksKeyCollation: false,
  // https://www.sqlite.org/lang_altertable.html: ADD COLUMN only, and not of a key.
  altersColumns: false,
  addsKeyColumns: false,
  indexNamesPerTable: false,
};
