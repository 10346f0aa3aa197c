/** A knex connection to a SQLite file, for `ddl --apply`, migrations, introspection and `status`. */
import knexFactory from 'knex';
import type { Knex } from 'knex';
import type { SqliteTarget } from './url.js';

/** Opens a knex instance on the file. The caller owns it and must `destroy()` it. */
export function openSqliteKnex(target: SqliteTarget): Knex {
  // knex keeps a pool of one connection for SQLite, so `:memory:` stays one database.
  return knexFactory({
    client: 'better-sqlite3',
    connection: { filename: target.filename },
    useNullAsDefault: true,
  });
}
