/** SQLite's database URLs: `sqlite:./path.db`, `sqlite:/abs/path.db`, `sqlite:///abs/path.db`, `sqlite::memory:`. */

export interface SqliteTarget {
  kind: 'sqlite';
  filename: string;
}

/** The URL names a SQLite file: a database on this machine, whose URL holds no password. */
export function isSqliteUrl(databaseUrl: string): boolean {
  return databaseUrl.startsWith('sqlite:');
}

export function parseSqliteUrl(databaseUrl: string): SqliteTarget {
  if (!isSqliteUrl(databaseUrl)) throw new Error('a SQLite database needs a sqlite: URL');
  // `sqlite:///abs` is the URL-ish spelling of `sqlite:/abs`; keep both.
  const rest = databaseUrl.slice('sqlite:'.length).replace(/^\/\/(?=\/)/, '');
  if (rest === '') throw new Error(`database URL ${databaseUrl}: missing file name (sqlite:./file.db)`);
  return { kind: 'sqlite', filename: rest };
}
