/**
 * Reads the live schema of the connected database into the same vocabulary `ddl.ts` prints
 * (`columnSqlType`), so `apply.ts` can compare plain strings. Each dialect reads its own
 * catalogue (sql/dialects/<d>/introspect.ts).
 */
import type { Knex } from 'knex';
import type { DatabaseKind } from './connection.js';
import { dialectOf } from './dialects/index.js';
import type { LiveTable } from './live-schema.js';

export type { LiveColumn, LiveIndex, LiveTable } from './live-schema.js';

/** Every table of the connected database (mysql: the URL's database), by name. */
export function introspect(db: Knex, kind: DatabaseKind): Promise<Map<string, LiveTable>> {
  return dialectOf(kind).introspect(db);
}
