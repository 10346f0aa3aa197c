/** SQLite (better-sqlite3): the Dialect the sqlite: URLs use. */
import type { Dialect } from '../../dialect.js';
import { quote } from './quote.js';

export const sqlite: Dialect = {
  name: 'sqlite',
  quote,
  // SQLite's index names are per database, so DROP INDEX names no table.
  dropIndex: (index) => `drop index ${quote(index)}`,
};
