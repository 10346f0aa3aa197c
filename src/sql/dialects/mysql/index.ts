/** MariaDB (10.11) and MySQL 8: the Dialect the mysql:// URLs use. */
import type { Dialect } from '../../dialect.js';
import { quote } from './quote.js';

export const mysql: Dialect = {
  name: 'mysql',
  quote,
  dropIndex: (index, table) => `drop index ${quote(index)} on ${quote(table)}`,
};
