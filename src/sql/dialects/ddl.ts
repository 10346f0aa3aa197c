/**
 * The CREATE TABLE syntax by database: the one lookup from a `ddl --dialect` name to its
 * DdlSyntax. Kept apart from index.ts so sql/ddl.ts, which the dialects' introspection imports, does not
 * import the dialects back.
 */
import type { DdlDialect, DdlSyntax } from '../dialect.js';
import { mysqlDdl } from './mysql/ddl.js';
import { postgresDdl } from './postgres/ddl.js';
import { sqliteDdl } from './sqlite/ddl.js';

const SYNTAX: Readonly<Record<DdlDialect, DdlSyntax>> = { mysql: mysqlDdl, postgres: postgresDdl, sqlite: sqliteDdl };

export function ddlSyntaxOf(dialect: DdlDialect): DdlSyntax {
  return SYNTAX[dialect];
}
