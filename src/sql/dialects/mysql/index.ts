/** MariaDB (10.11) and MySQL 8: the Dialect the mysql:// URLs use. */
import type { Dialect } from '../../dialect.js';
import { quote } from './quote.js';

export const mysql: Dialect = {
  name: 'mysql',
  quote,
  dropIndex: (index, table) => `drop index ${quote(index)} on ${quote(table)}`,
  insertIgnore: (insert) => insert.replace(/^INSERT INTO/u, 'INSERT IGNORE INTO'),
  // The conflict is on any unique key, so the key is not named (https://mariadb.com/kb/en/insert-on-duplicate-key-update/).
  upsert: (insert, _key, assignments) => `${insert} ON DUPLICATE KEY UPDATE ${assignments.join(', ')}`,
  excluded: (column) => `VALUES(${quote(column)})`,
  // InnoDB reads a snapshot unless told to lock (https://mariadb.com/kb/en/select/#for-update).
  lockingRead: (select) => `${select} FOR UPDATE`,
  deleteLimited: (table, where, limit) => `DELETE FROM ${quote(table)} WHERE ${where} LIMIT ${limit}`,
};
