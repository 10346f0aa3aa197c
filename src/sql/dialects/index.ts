/**
 * The dialects by name: the one lookup from a database kind to its Dialect, so no caller needs
 * to branch on the kind. A new database is a folder here plus one entry below.
 */
import type { Dialect, SqlDialect } from '../dialect.js';
import { mysql } from './mysql/index.js';
import { postgres } from './postgres/index.js';
import { sqlite } from './sqlite/index.js';

const DIALECTS: Readonly<Record<SqlDialect, Dialect>> = { mysql, postgres, sqlite };

export function dialectOf(kind: SqlDialect): Dialect {
  return DIALECTS[kind];
}

/** Every dialect, for what must be asked of all (an error's meaning: sql/dialect.ts DialectErrors). */
export const ALL_DIALECTS: readonly Dialect[] = Object.values(DIALECTS);
