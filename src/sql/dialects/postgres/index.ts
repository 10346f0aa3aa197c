/** PostgreSQL (13+): the Dialect the postgres:// and postgresql:// URLs use. */
import type { Dialect } from '../../dialect.js';
import { postgresChanges } from './changes.js';
import { postgresErrors } from './errors.js';
import { postgresSchema } from './introspect.js';
import { quote } from './quote.js';

/** The collation of key string columns (postgres/ddl.ts): bytes compared as bytes, in every PostgreSQL. */
const KEY_COLLATION = 'C';

const doNothing = (insert: string): string => `${insert} ON CONFLICT DO NOTHING`;

export const postgres: Dialect = {
  name: 'postgres',
  changes: postgresChanges,
  errors: postgresErrors,
  // Advisory locks (pg_advisory_xact_lock) stand in for GET_LOCK (runtime/sinks/postgres.ts).
  namedLocks: true,
  quote,
  // Index names are per schema (https://www.postgresql.org/docs/15/sql-dropindex.html).
  dropIndex: (index) => `drop index ${quote(index)}`,
  // ON CONFLICT DO NOTHING skips a taken key only; other errors stay errors, unlike MariaDB's IGNORE.
  insertIgnore: doNothing,
  insertOrKeep: doNothing,
  upsert: (insert, key, assignments) => `${insert} ON CONFLICT (${key.map(quote).join(',')}) DO UPDATE SET ${assignments.join(', ')}`,
  excluded: (column) => `EXCLUDED.${quote(column)}`,
  stored: (table, column) => `${quote(table)}.${quote(column)}`,
  greatest: (a, b) => `GREATEST(${a}, ${b})`,
  // Without it two READ COMMITTED transactions read the same rows and both act on them.
  lockingRead: (select) => `${select} FOR UPDATE`,
  // Transaction-scoped advisory locks, taken left to right as given (the caller sorts the names).
  lockNames: (count) => `SELECT ${Array.from({ length: count }, () => 'pg_advisory_xact_lock(hashtextextended(?, 0))').join(', ')}`,
  // DELETE has no LIMIT; ctid is the row's physical address within the statement's snapshot.
  deleteLimited: (table, where, limit) => `DELETE FROM ${quote(table)} WHERE ctid IN (SELECT ctid FROM ${quote(table)} WHERE ${where} LIMIT ${limit})`,
  // FOR SHARE is not allowed beside an aggregate, so it locks the rows in a subquery; READ
  // COMMITTED already gives each statement the latest committed rows.
  selectFingerprintText: (marks, locking) => {
    const [p, f] = [quote('projection'), quote('fingerprint')];
    return `SELECT string_agg(x, ',' ORDER BY p COLLATE "C") FROM (SELECT ${p} AS p, ${p} || '=' || ${f} AS x FROM ${quote('sc_spec_fingerprints')} WHERE ${p} IN (${marks})${locking ? ' FOR SHARE' : ''}) AS s`;
  },
  selectTables: (marks) => `SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema() AND table_name IN (${marks})`,
  // One table a statement; DDL is transactional, so the swap's transaction makes the sequence atomic.
  renameTables: (pairs) => pairs.map(([a, b]) => `ALTER TABLE ${quote(a)} RENAME TO ${quote(b)}`),
  introspect: postgresSchema,
  keyCollation: () => Promise.resolve(KEY_COLLATION),
  checksKeyCollation: true,
  altersColumns: true,
  addsKeyColumns: true,
  indexNamesPerTable: false,
};
