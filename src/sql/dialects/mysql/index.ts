/** MariaDB (10.11) and MySQL 8: the Dialect the mysql:// URLs use. */
import type { Dialect } from '../../dialect.js';
import { mysqlChanges } from './changes.js';
import { mysqlSchema, serverKeyCollation } from './introspect.js';
import { mysqlErrors } from './errors.js';
import { quote } from './quote.js';

export const mysql: Dialect = {
  name: 'mysql',
  changes: mysqlChanges,
  errors: mysqlErrors,
  namedLocks: true,
  quote,
  dropIndex: (index, table) => `drop index ${quote(index)} on ${quote(table)}`,
  insertIgnore: (insert) => insert.replace(/^INSERT INTO/u, 'INSERT IGNORE INTO'),
  // Assigning the key to itself changes nothing and, unlike IGNORE, keeps other errors errors.
  insertOrKeep: (insert, key) => `${insert} ON DUPLICATE KEY UPDATE ${quote(key)} = ${quote(key)}`,
  // The conflict is on any unique key, so the key is not named (https://mariadb.com/kb/en/insert-on-duplicate-key-update/).
  upsert: (insert, _key, assignments) => `${insert} ON DUPLICATE KEY UPDATE ${assignments.join(', ')}`,
  excluded: (column) => `VALUES(${quote(column)})`,
  stored: (_table, column) => quote(column),
  greatest: (a, b) => `GREATEST(${a}, ${b})`,
  // InnoDB reads a snapshot unless told to lock (https://mariadb.com/kb/en/select/#for-update).
  lockingRead: (select) => `${select} FOR UPDATE`,
  // FOR UPDATE's gap locks already serialise two checks of one absent key (lockingRead).
  lockNames: () => undefined,
  deleteLimited: (table, where, limit) => `DELETE FROM ${quote(table)} WHERE ${where} LIMIT ${limit}`,
  // LOCK IN SHARE MODE: a locking read sees the latest committed rows whatever the snapshot.
  selectFingerprintText: (marks, locking) =>
    `SELECT GROUP_CONCAT(${quote('projection')}, '=', ${quote('fingerprint')} ORDER BY ${quote('projection')} SEPARATOR ',') FROM ${quote('sc_spec_fingerprints')} WHERE ${quote('projection')} IN (${marks})${locking ? ' LOCK IN SHARE MODE' : ''}`,
  selectTables: (marks) => `SELECT table_name AS name FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name IN (${marks})`,
  // One RENAME TABLE renames every pair atomically (https://mariadb.com/kb/en/rename-table/).
  renameTables: (pairs) => (pairs.length === 0 ? [] : [`RENAME TABLE ${pairs.map(([a, b]) => `${quote(a)} TO ${quote(b)}`).join(', ')}`]),
  introspect: mysqlSchema,
  keyCollation: serverKeyCollation,
  checksKeyCollation: true,
  altersColumns: true,
  addsKeyColumns: true,
  indexNamesPerTable: true,
};
