/**
 * PostgreSQL's CREATE TABLE: `sc-project ddl --dialect postgres` prints it; the runtime does not
 * write to PostgreSQL yet, so this folder holds the DDL only.
 */
import type { DdlSyntax } from '../../dialect.js';

export const postgresDdl: DdlSyntax = {
  client: 'pg',
  types: {
    string: (c) => `varchar(${c.length ?? 255})`,
    text: () => 'text',
    int: () => 'integer',
    bigint: () => 'bigint',
    decimal: (c) => `decimal(${c.precision ?? 18},${c.scale ?? 2})`,
    boolean: () => 'boolean',
    datetime: () => 'timestamp(3)',
    json: () => 'jsonb',
  },
  booleanLiteral: (b) => String(b),
  // No COLLATE clause: deterministic collations (the default) already tell 'abc', 'ABC' and 'abc ' apart.
  collatesKeys: false,
  scriptTarget: '',
};
