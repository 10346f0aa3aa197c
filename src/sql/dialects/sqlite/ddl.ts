/** SQLite's CREATE TABLE: its column types (sql/ddl.ts builds the rest). */
import type { DdlSyntax } from '../../dialect.js';

export const sqliteDdl: DdlSyntax = {
  client: 'better-sqlite3',
  types: {
    string: (c) => `varchar(${c.length ?? 255})`,
    text: () => 'text',
    int: () => 'integer',
    bigint: () => 'bigint',
    decimal: (c) => `decimal(${c.precision ?? 18},${c.scale ?? 2})`,
    boolean: () => 'integer',
    // No date type: datetimes are UTC text 'YYYY-MM-DD HH:MM:SS.mmm', which sorts like the time it names.
    datetime: () => 'text',
    json: () => 'text',
  },
  booleanLiteral: (b) => (b ? '1' : '0'),
  // Strings compare byte for byte already (BINARY is SQLite's default collation).
  collatesKeys: false,
  scriptTarget: '',
  namesPrimaryKey: false,
  transactionalDdl: true,
};
