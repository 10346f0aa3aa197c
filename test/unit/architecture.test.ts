/**
 * The shape of src/ (issue 19, item 7). Fails when
 * (a) an import runs against the pipeline spec → compile → sql → validate → runtime → testing → cli
 *     (a module imports only from its own stage or earlier ones; PIPELINE says why validate/ comes after sql/);
 * (b) a driver (kafkajs, mysql2, better-sqlite3, pg, knex, fs) is imported outside its allow-list;
 * (c) code outside src/sql/dialects/ branches on the database;
 * (d) a production module other than the CLI's seam names an SC_TEST_* hook.
 * Today's exceptions are ratchet lists, checked exactly: a new import or branch fails, and so does
 * an entry whose count went down ("shrink the list"), so the lists only shrink as the reshape goes
 * on. Tests (*.test.ts) are not part of the pipeline and are not checked.
 */
import { describe, expect, it } from 'vitest';
import { dialectBranchesOf, importsOf, mentionsOf, ratchet, sourceFiles, type Hit } from '../helpers/source-scan.js';

/**
 * The order imports follow. A spec flows spec → validate → compile → sql → runtime, but validate/
 * is the front door of the pure front half, not a stage before compile/: it checks a spec by
 * compiling it (compileTable, compilePlan, the value forms and paths) and a column default by the
 * literal check the engine itself applies (sql/coerce.ts), then hands back the Plan. Checking with
 * the very functions that compile and write keeps the two from disagreeing, so validate/ imports
 * compile/ and sql/, and neither of them ever imports validate/ (issue 19 decided it this way).
 */
const PIPELINE = ['shared', 'spec', 'compile', 'sql', 'validate', 'runtime', 'testing', 'cli'] as const;
type Stage = (typeof PIPELINE)[number];

/** The files at the top of src/, which belong to no folder, and their stage. */
const TOP_LEVEL: Record<string, Stage> = {
  // Diagnostics are what every stage reports, from spec/ (the first) on; it imports only redact.ts.
  'src/diagnostics.ts': 'shared',
  // Output hygiene (credentials, terminal escapes) for diagnostics and the CLI; imports nothing.
  'src/redact.ts': 'shared',
  // The library's entry: re-exports every stage and nothing imports it, like the CLI.
  'src/index.ts': 'cli',
};

function stageOf(file: string): Stage {
  const top = TOP_LEVEL[file];
  if (top !== undefined) return top;
  const dir = file.split('/')[1] ?? '';
  const stage = PIPELINE.find((s) => s === dir && s !== 'shared');
  if (stage === undefined || file.split('/').length < 3) throw new Error(`${file}: no stage; put it in a stage's folder or list it in TOP_LEVEL with why`);
  return stage;
}
const rank = (file: string): number => PIPELINE.indexOf(stageOf(file));

/** (a) Imports against the pipeline, by importing file: none (a ratchet list, kept for a future exception). */
const UPWARD_IMPORTS: Record<string, number> = {};

/** (b) Where each driver may be imported (type-only imports too), each file with why. */
const DRIVERS: Record<string, { module: RegExp; allowed: Record<string, string> }> = {
  kafkajs: {
    module: /^kafkajs$/,
    allowed: {
      'src/runtime/sources/kafka/client.ts': 'creates the client, admin and dead-letter producer',
      'src/runtime/sources/kafka/kafka-log.ts': "maps kafkajs' log levels onto ours",
      'src/runtime/sources/kafka/consumer.ts': 'the consumer of one group (types)',
      'src/runtime/sources/kafka/headers.ts': 'a fetched record and its headers as a RawMessage (types)',
      'src/runtime/sources/kafka/placement.ts': 'seeks each assigned partition to the stored position (types)',
      'src/runtime/ops/lag.ts': 'end offsets through the admin (type)',
      'src/runtime/ops/status.ts': "`status`'s committed offsets (type)",
      'src/runtime/sources/kafka/start.ts': 'the producer partitioner and the lag admin (types)',
      'src/runtime/rebuild/build.ts': "the rebuild's shadow consumers and admin (types)",
      'src/runtime/sources/kafka/security/oauth-authenticator.ts': "OAUTHBEARER as a custom mechanism (kafkajs' own takes a refused token for a success); its SASL error class",
    },
  },
  mysql2: {
    module: /^mysql2(\/.*)?$/,
    allowed: {
      'src/runtime/sinks/mysql.ts': "the MariaDB sink's pool",
      'src/runtime/sinks/mysql-session.ts': "the rebuild's control session (GET_LOCK belongs to a session; moved here from rebuild/control.ts)",
    },
  },
  'better-sqlite3': { module: /^better-sqlite3$/, allowed: { 'src/runtime/sinks/sqlite.ts': 'the SQLite sink' } },
  pg: {
    module: /^pg(\/.*)?$/,
    allowed: {
      'src/sql/dialects/postgres/connect.ts': "node-postgres' default type parsers behind ours (values.ts), for the sink's pool and knex's",
      'src/runtime/sinks/postgres.ts': "the PostgreSQL sink's pool",
      'src/runtime/sinks/postgres-session.ts': "the rebuild's control session (session-level advisory locks need a connection of their own, outside the pool)",
    },
  },
  knex: {
    module: /^knex(\/.*)?$/,
    allowed: {
      'src/sql/connection.ts': "openKnex returns the dialect folder's connection (type)",
      'src/sql/dialects/mysql/connect.ts': 'opens the MariaDB connections of ddl --apply, migrations, introspection and status',
      'src/sql/dialects/sqlite/connect.ts': 'opens the SQLite connections of ddl --apply, migrations, introspection and status',
      'src/sql/dialects/postgres/connect.ts': 'opens the PostgreSQL connections of ddl --apply, migrations, introspection and status',
      'src/sql/dialects/postgres/introspect.ts': "PostgreSQL's pg_catalog reads on the caller's connection",
      'src/sql/ddl.ts': 'a string builder only: knex without a connection never loads a driver',
      'src/sql/apply.ts': 'runs DDL on a connection its caller opened (type)',
      'src/sql/introspect.ts': 'reads the schema on a connection its caller opened (type)',
      'src/sql/dialect.ts': "the Dialect's introspection and schema traits take the caller's connection (type)",
      'src/sql/dialects/mysql/introspect.ts': "MariaDB's information_schema reads on the caller's connection",
      'src/sql/dialects/sqlite/introspect.ts': "SQLite's pragma reads on the caller's connection",
      'src/testing/runner.ts': 'empties the tables of `test --database-url` between cases (type)',
    },
  },
  fs: {
    module: /^(node:)?fs(\/promises)?$/,
    allowed: {
      'src/spec/load.ts': 'the spec reader',
      'src/spec/schema-file.ts': 'the JSON schemas shipped with the package',
      'src/runtime/sources/ndjson/reader.ts': 'reads run --from files',
      'src/runtime/ops/progress.ts': "counts a file's lines for the progress total",
      'src/runtime/file-run.ts': 'checks that a --from path is a readable file before starting',
      'src/runtime/version.ts': "the package's version from package.json",
      'src/cli/database.ts': 'whether the embedded database file exists; DATABASE_URL_FILE and DATABASE_PASSWORD_FILE',
      'src/runtime/sources/kafka/security/load.ts': 'reads --kafka-config and the files it names (secrets, CA, client certificate and key)',
      'src/testing/runner.ts': 'a fresh SQLite file per case, copied from a template',
      'src/sql/dialects/mysql/connect.ts': "reads the CA, client certificate and key a database URL names (ssl-ca, ssl-cert, ssl-key)",
      'src/sql/dialects/postgres/connect.ts': 'reads the CA, client certificate and key a database URL names (sslrootcert, sslcert, sslkey)',
      'src/runtime/registry/files.ts': "reads the schema registry's CA and credentials files (SCHEMA_REGISTRY_CA_FILE, SCHEMA_REGISTRY_USER_INFO_FILE) and schemas given as files (--schemas DIR, a fixture's schemas:)",
    },
  },
};

/** (c) Branches on the database outside src/sql/dialects/, by file. */
const DIALECT_BRANCHES: Record<string, number> = {
  // (src/sql/connection.ts picks a URL's folder with isSqliteUrl and isPostgresUrl: the one switch
  // on a URL beside openSink; each folder parses its URLs (url.ts) and opens its knex connection
  // (connect.ts). runtime/sinks/open.ts picks a sink by a lookup on the URL's kind: no branch.)
};

/** (d) The one module that reads the test-only crash hooks (runtime/test-hooks.ts says why). */
const TEST_HOOK_READER = 'src/cli/test-hooks.ts';

const FILES = sourceFiles();
const IMPORTS = FILES.flatMap(importsOf);
const line = (i: { file: string; line: number }): string => `${i.file}:${i.line}`;

describe('architecture of src/', () => {
  it('gives every file a stage', () => {
    expect(() => FILES.forEach(stageOf)).not.toThrow();
  });

  it('imports only along the pipeline (ratchet: UPWARD_IMPORTS)', () => {
    const upward: Hit[] = IMPORTS.filter((i) => i.target?.startsWith('src/') === true && rank(i.target) > rank(i.file))
      .map((i) => ({ file: i.file, line: i.line, text: `${stageOf(i.file)} imports ${i.specifier} (${stageOf(i.target as string)})` }));
    expect(ratchet(upward, UPWARD_IMPORTS, 'import(s) against the pipeline')).toEqual([]);
  });

  it.each(Object.keys(DRIVERS))('imports %s only where it is allowed', (name) => {
    const d = DRIVERS[name] as (typeof DRIVERS)[string];
    const users = IMPORTS.filter((i) => d.module.test(i.specifier));
    const problems = [
      ...users.filter((i) => !(i.file in d.allowed)).map((i) => `${line(i)} imports ${i.specifier}: not allowed there`),
      ...Object.keys(d.allowed).filter((f) => !users.some((i) => i.file === f)).map((f) => `${f} no longer imports ${name}: remove it from the list`),
    ];
    expect(problems).toEqual([]);
  });

  it('branches on the database only in src/sql/dialects/ (ratchet: DIALECT_BRANCHES)', () => {
    const hits = FILES.filter((f) => !f.startsWith('src/sql/dialects/')).flatMap(dialectBranchesOf);
    expect(ratchet(hits, DIALECT_BRANCHES, 'dialect branch(es)')).toEqual([]);
  });

  it('reads the test-only crash hooks in one place', () => {
    const hits = FILES.filter((f) => f !== TEST_HOOK_READER).flatMap((f) => mentionsOf(f, 'SC_TEST_')).map(line);
    expect(hits).toEqual([]);
    expect(mentionsOf(TEST_HOOK_READER, 'SC_TEST_').length).toBeGreaterThan(0);
  });
});

describe('the ratchet', () => {
  const hit = (file: string, n: number): Hit => ({ file, line: n, text: 'x' });
  it('fails on a new entry and on a count above the list', () => {
    expect(ratchet([hit('a.ts', 1), hit('a.ts', 2), hit('b.ts', 1)], { 'a.ts': 1 }, 'hit(s)')).toEqual([
      'a.ts: 2 hit(s), the list allows 1: 1: x | 2: x',
      'b.ts: 1 hit(s), the list allows 0: 1: x',
    ]);
  });
  it('fails on a count below the list: shrink it', () => {
    expect(ratchet([hit('a.ts', 1)], { 'a.ts': 2, 'b.ts': 1 }, 'hit(s)')).toEqual([
      'a.ts: 1 hit(s), the list says 2: shrink the list to 1',
      'b.ts: 0 hit(s), the list says 1: shrink the list to 0 (remove the entry)',
    ]);
  });
  it('passes when the counts match exactly', () => {
    expect(ratchet([hit('a.ts', 1)], { 'a.ts': 1 }, 'hit(s)')).toEqual([]);
  });
});
