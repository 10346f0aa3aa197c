/** MariaDB's CREATE TABLE: its column types, table options and key collation (sql/ddl.ts builds the rest). */
import type { DdlSyntax } from '../../dialect.js';

export const mysqlDdl: DdlSyntax = {
  client: 'mysql2',
  types: {
    string: (c) => `varchar(${c.length ?? 255})`,
    // TEXT holds 65,535 bytes, only ~16k utf8mb4 characters, while a Kafka message may reach 1 MB
    // by default; MEDIUMTEXT (16 MB) holds any single value and costs one length byte less than
    // LONGTEXT (https://mariadb.com/kb/en/mediumtext/).
    text: () => 'mediumtext',
    int: () => 'int',
    bigint: () => 'bigint',
    decimal: (c) => `decimal(${c.precision ?? 18},${c.scale ?? 2})`,
    // BOOLEAN is a synonym of TINYINT(1); spelled the way information_schema reads it back.
    boolean: () => 'tinyint(1)',
    // Milliseconds: event timestamps carry them, and DATETIME alone would truncate them.
    datetime: () => 'datetime(3)',
    // An alias of LONGTEXT with a JSON_VALID check (https://mariadb.com/kb/en/json-data-type/).
    json: () => 'json',
  },
  booleanLiteral: (b) => (b ? '1' : '0'),
  // utf8mb4 is full Unicode; MariaDB's `utf8` is 3-byte and rejects emoji.
  tableOptions: { engine: 'InnoDB', charset: 'utf8mb4', collate: 'utf8mb4_unicode_ci' },
  // Keys compare exactly, as they do on SQLite and Postgres: under the table's _ci collation
  // 'abc', 'ABC' and 'abç' would be one key here and three elsewhere, and under a PAD SPACE one
  // 'abc' and 'abc ' (ddl.ts KEY_COLLATIONS).
  collatesKeys: true,
  scriptTarget: ' (MariaDB 10.11; also MySQL 8 except CREATE INDEX IF NOT EXISTS)',
  namesPrimaryKey: false,
  transactionalDdl: false,
};
