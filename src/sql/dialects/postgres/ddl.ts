/** PostgreSQL's CREATE TABLE: its column types and key collation (sql/ddl.ts builds the rest). */
import type { DdlSyntax } from '../../dialect.js';

export const postgresDdl: DdlSyntax = {
  client: 'pg',
  types: {
    string: (c) => `varchar(${c.length ?? 255})`,
    text: () => 'text',
    int: () => 'integer',
    bigint: () => 'bigint',
    // numeric(p,s) is exact and rejects what does not fit (22003), as MariaDB's DECIMAL does.
    decimal: (c) => `numeric(${c.precision ?? 18},${c.scale ?? 2})`,
    boolean: () => 'boolean',
    // Milliseconds, no zone: the engine writes UTC ('YYYY-MM-DD HH:MM:SS.mmm'), as on MariaDB.
    datetime: () => 'timestamp(3)',
    // jsonb checks the document and indexes well; it reorders keys, so JSON compares canonically.
    json: () => 'jsonb',
  },
  booleanLiteral: (b) => String(b),
  // Keys compare byte for byte, as on SQLite and MariaDB (nopad_bin): the database's default
  // collation may be a linguistic one (en_US.UTF-8), under which keys sort, and with ICU
  // nondeterministic collations even compare, differently (https://www.postgresql.org/docs/15/collation.html).
  collatesKeys: true,
  // knex's collate() is MySQL-only, so the collation is part of the column's type text. "C" is
  // in every PostgreSQL (https://www.postgresql.org/docs/15/collation.html#COLLATION-MANAGING-STANDARD).
  keyType: (type) => `${type} collate "C"`,
  scriptTarget: ' (PostgreSQL 13+)',
  namesPrimaryKey: true,
  transactionalDdl: true,
};
