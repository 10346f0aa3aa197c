/** The sc-project command line. Each command parses flags, calls one function, prints, exits. */
import { Command, CommanderError, Option } from 'commander';
import { EXIT_FAILED, EXIT_USAGE, type CommandResult } from './io.js';
import type { RunOptions } from './run.js';
import { VERSION } from '../runtime/version.js';
import { DEFAULT_MAX_LINE_BYTES } from '../runtime/sources/ndjson/line-limit.js';
import { safeOutput } from '../redact.js';
import { testHooksFromEnv } from './test-hooks.js';
import { kafkaConfigOption } from './kafka-config.js';
import { resolveDatabaseUrl } from './database.js';

/** A repeatable option's values, as given, first first. */
function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

// Commands load their modules when they run: `validate` in a CI job must not pay for loading
// kafkajs, knex and the database drivers.

/** `--config` may be given more than once; each takes one spec file or folder. */
const configOption = () =>
  new Option('-c, --config <path>', 'spec file or folder (repeatable)')
    .default(DEFAULT_CONFIG)
    .argParser((value: string, previous: string[]) => (previous === DEFAULT_CONFIG ? [value] : [...previous, value]));
const DEFAULT_CONFIG = ['projections'];

/** `--max-line-bytes`, for run and rebuild (both read --from files with one reader). */
const maxLineBytesOption = () =>
  new Option('--max-line-bytes <n>', 'with --from: a longer line is a dead letter with its first bytes').default(String(DEFAULT_MAX_LINE_BYTES));

export function buildProgram(done: (r: CommandResult | Promise<CommandResult>) => void): Command {
  const program = new Command('sc-project')
    .description('Declarative Kafka → SQL projections from YAML specs')
    .version(VERSION, '-V, --version', 'print the version')
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(safeOutput(s)) })
    // Before or after the command's name. Every logger of the process reads the level from the
    // environment, so the commands need not pass it down.
    .addOption(new Option('--log-level <level>', 'info, or debug to add stack traces to errors').env('SC_PROJECT_LOG_LEVEL'))
    .hook('preAction', (cmd, action) => {
      const level = cmd.opts<{ logLevel?: string }>().logLevel;
      if (level !== undefined && level !== '') {
        if (level !== 'info' && level !== 'debug') cmd.error(`--log-level must be info or debug, got ${level}`, { exitCode: EXIT_USAGE });
        process.env.SC_PROJECT_LOG_LEVEL = level;
      }
      // DATABASE_URL_FILE, DATABASE_PASSWORD(_FILE): for every command that takes --database-url.
      if (!action.options.some((o) => o.attributeName() === 'databaseUrl')) return;
      const db = resolveDatabaseUrl(action.opts<{ databaseUrl?: string }>().databaseUrl, process.env);
      if ('error' in db) action.error(db.error, { exitCode: EXIT_USAGE });
      else if (db.url !== undefined) action.setOptionValue('databaseUrl', db.url);
    });
  program
    .command('validate')
    .description('check every spec; print each error with file:line:col')
    .addOption(configOption())
    .addOption(new Option('--format <format>', 'text or json').default('text'))
    .action(async (o: { config: string[]; format: string }) => done((await import('./validate.js')).validateCommand(o)));
  program
    .command('ddl')
    .description('print (or --apply) the CREATE TABLE statements the specs need')
    .addOption(configOption())
    .addOption(new Option('--dialect <dialect>', 'mysql, postgres or sqlite').default('mysql'))
    .option('--apply', 'run the safe changes (create tables, add columns and indexes, widen) on --database-url; exit 1 if changes that need a rebuild are left')
    .option('--diff', 'print the statements that bring --database-url to the specs, and what needs a rebuild (exit 1 when anything differs)')
    .addOption(new Option('--database-url <url>', 'mysql://login:pass@host:port/db, postgres://login:pass@host:port/db or sqlite:./file.db').env('DATABASE_URL'))
    .option('--no-engine-tables', "leave out the engine's own tables")
    .action(async (o: { config: string[]; dialect: string; apply?: boolean; diff?: boolean; databaseUrl?: string; engineTables: boolean }) => done((await import('./ddl.js')).ddlCommand(o)));
  program
    .command('run')
    .description('consume Kafka (or --from an NDJSON file) and apply every projection')
    .addOption(configOption())
    .addOption(new Option('--database-url <url>', 'mysql://login:pass@host:port/db, postgres://login:pass@host:port/db or sqlite:./file.db (default with --from: sqlite:./sc-project.db)').env('DATABASE_URL'))
    .addOption(new Option('--brokers <list>', 'Kafka brokers, host:port,...').env('KAFKA_BROKERS'))
    .addOption(kafkaConfigOption())
    .option('--from <file>', 'read messages from an NDJSON file ({"topic","key","value"} a line) instead of Kafka; - reads standard input; repeat it for several files, read one after another as one stream', collect)
    .option('--source <name>', 'with --from: a named source, whose positions are its own (for a file that does not continue the recorded one)')
    .option('--schemas <dir>', 'registry formats (avro, protobuf, json-schema) read the schema of id N from <dir>/N.avsc, N.proto or N.json instead of the schema registry (offline runs; a .proto may import files of <dir> by path)')
    .addOption(maxLineBytesOption())
    .addOption(new Option('--log-format <format>', 'text or json').default('text'))
    .option('--stats-interval <seconds>', 'seconds between stats lines (0: none)', '10')
    .option('--max-batch <n>', 'at most n messages per transaction (1: one transaction per message)')
    .option('--processed-retention <duration>', 'prune processed event ids older than this (7d, 12h, 0: never)', '7d')
    .option('--create-topics', 'create missing source topics (3 partitions)')
    .option('--client-id <id>', 'Kafka client id', 'sc-project')
    .option('--concurrency <n>', 'partitions of a consumer group processed at once, each in its own transactions', '2')
    .option('--session-timeout <seconds>', 'Kafka session timeout: how long a crashed member holds its partitions', '30')
    .option('--no-progress', 'with --from: no progress bar (on a terminal) or progress lines (elsewhere)')
    .addOption(new Option('--http <[host:]port>', 'serve /metrics, /healthz and /readyz (host 127.0.0.1 unless given; 0.0.0.0:9464 for all interfaces)').env('SC_PROJECT_HTTP'))
    .option('--not-ready-after <seconds>', '/readyz reports not ready once the database has failed this long', '15')
    .option('--start-from <where>', 'where a partition with no position in the database starts: earliest or latest (the database, not Kafka, holds the positions)', 'earliest')
    .option('--migrate', 'before consuming, run the safe schema changes the specs need (add columns and indexes, widen); see ddl --diff')
    .option('--accept-spec', 'record the specs as the ones that built the tables where a rebuild is advised (keep the tables as they are)')
    .option('--accept-history-gap', 'continue from the earliest offset where retention deleted messages this group never applied (else the group stops)')
    .option('--exit-zero', 'with --from: exit 0 even when messages were dead-lettered, operations missed or HTTP batches left undelivered (else exit 3)')
    .action(async (o: RunOptions) => done((await import('./run.js')).runCommand(o, testHooksFromEnv(process.env))));
  program
    .command('status')
    .description('per group, topic and partition: stored position, Kafka committed offset, end offset, lag; dead letters; exit 1 over --max-lag')
    .addOption(configOption())
    .addOption(new Option('--database-url <url>', 'mysql://login:pass@host:port/db, postgres://login:pass@host:port/db or sqlite:./file.db (default: sqlite:./sc-project.db, when run --from made it)').env('DATABASE_URL'))
    .addOption(new Option('--brokers <list>', 'Kafka brokers, host:port,... (without: the database side only)').env('KAFKA_BROKERS'))
    .addOption(kafkaConfigOption())
    .addOption(new Option('--format <format>', 'text or json').default('text'))
    .option('--max-lag <n>', 'exit 1 when a partition lags more than n messages')
    .action(async (o: import('./status.js').StatusCommandOptions) => done((await import('./status.js')).statusCommand(o)));
  program
    .command('rebuild')
    .description('rebuild projections from the whole history into shadow tables while the live ones keep serving, then swap them in atomically')
    .argument('<projections...>', 'the projections to rebuild (together, one swap)')
    .addOption(configOption())
    .addOption(new Option('--database-url <url>', 'mysql://login:pass@host:port/db, postgres://login:pass@host:port/db or sqlite:./file.db (default with --from: sqlite:./sc-project.db)').env('DATABASE_URL'))
    .addOption(new Option('--brokers <list>', 'Kafka brokers, host:port,...').env('KAFKA_BROKERS'))
    .addOption(kafkaConfigOption())
    .option('--from <file>', 'rebuild from NDJSON files (the embedded default, read as run --from reads them) instead of Kafka', collect)
    .addOption(maxLineBytesOption())
    .option('--allow-partial', "rebuild although a partition's earliest offset is above 0 (history deleted by retention)")
    .option('--drop-old', 'drop the replaced tables after the swap (default: kept as <table>__old until sc-project cleanup)')
    .option('--schemas <dir>', 'registry formats (avro, protobuf, json-schema) read the schema of id N from <dir>/N.avsc, N.proto or N.json instead of the schema registry')
    .option('--no-progress', 'no progress bar (on a terminal) or progress lines (elsewhere)')
    .addOption(new Option('--log-format <format>', 'text or json').default('text'))
    .option('--client-id <id>', 'Kafka client id', 'sc-project-rebuild')
    .option('--concurrency <n>', 'partitions consumed at once', '2')
    .option('--session-timeout <seconds>', 'Kafka session timeout', '30')
    .action(async (projections: string[], o: import('./rebuild.js').RebuildCommandOptions) => done((await import('./rebuild.js')).rebuildCommand(projections, o, testHooksFromEnv(process.env))));
  program
    .command('cleanup')
    .description('drop the tables finished rebuilds kept (<table>__old); a projection named whose rebuild is under way has it abandoned')
    .argument('[projections...]', 'only these projections (default: every finished rebuild)')
    .addOption(new Option('--database-url <url>', 'mysql://login:pass@host:port/db, postgres://login:pass@host:port/db or sqlite:./file.db (default: sqlite:./sc-project.db, when rebuild --from made it)').env('DATABASE_URL'))
    .addOption(new Option('--log-format <format>', 'text or json').default('text'))
    .action(async (projections: string[], o: import('./rebuild.js').CleanupCommandOptions) => done((await import('./rebuild.js')).cleanupCommand(projections, o)));
  program
    .command('test')
    .description('run spec fixtures (*.test.yaml): messages in, expected rows out, replayed to prove idempotency')
    .argument('[fixtures...]', 'fixture files or folders (default: the --config folders)')
    .addOption(configOption())
    .addOption(new Option('--database-url <url>', 'run on this database instead of a fresh SQLite file per case (its tables are emptied)'))
    .action(async (fixtures: string[], o: { config: string[]; databaseUrl?: string }) => done((await import('./test.js')).testCommand({ ...o, fixtures })));
  const letters = program.command('dead-letters').description('list, show, replay and purge dead letters (sc_dead_letters and the <topic>.dlq topics)');
  const letterOptions = (c: Command): Command => c
    .addOption(configOption())
    .addOption(new Option('--database-url <url>', 'the table sc_dead_letters of this database (default: sqlite:./sc-project.db, when run --from made it)').env('DATABASE_URL'))
    .addOption(new Option('--brokers <list>', 'also the <topic>.dlq topics of these brokers').env('KAFKA_BROKERS'))
    .addOption(kafkaConfigOption())
    .option('--group <group>', 'only letters of this consumer group')
    .option('--projection <name>', 'only letters of this projection')
    .option('--topic <topic>', 'only letters from this source topic')
    .option('--type <type>', 'only letters of this event type')
    .option('--reason <text>', 'only letters whose reason contains this text (any case)')
    .option('--since <when>', 'only letters dead-lettered since: a duration ago (30m, 2h, 7d) or a date-time')
    .addOption(new Option('--format <format>', 'text or json').default('text'));
  letterOptions(letters.command('list').description('the letters that pass the filters, counted by reason, the newest first'))
    .option('--limit <n>', 'print the n newest (the counts cover all)', '50')
    .action(async (o: import('./dead-letters.js').LetterCommandOptions) => done((await import('./dead-letters.js')).listCommand(o)));
  letterOptions(letters.command('show').description('one letter: its value decoded (JSON where it is JSON; a registry format with its schema, beside the bytes), key, headers, reason, source, group, projection, when, attempts').argument('<id>', "a table letter's dlq_id, or <topic>.dlq:<partition>:<offset>"))
    .option('--schemas <dir>', 'decode a registry format\'s value with the schema of id N from <dir>/N.avsc, N.proto or N.json instead of the schema registry')
    .action(async (id: string, o: import('./dead-letters.js').LetterCommandOptions) => done((await import('./dead-letters.js')).showCommand(id, o)));
  letterOptions(letters.command('replay').description("apply the letters again through the specs as they are now, in source sequence, each at most once (a mark in each transaction); positions do not move"))
    .option('--dry-run', 'say what would apply and what would fail again and why; every transaction is rolled back')
    .option('--chunk <n>', 'letters read and applied per transaction', '500')
    .option('--no-progress', 'no progress bar (on a terminal) or progress lines (elsewhere)')
    .option('--http <[host:]port>', "serve the replay's /metrics (letters replayed by outcome) while it runs")
    .addOption(new Option('--log-format <format>', 'text or json').default('text'))
    .action(async (o: import('./dead-letters-replay.js').ReplayCommandOptions) => done((async () => {
      // SIGINT/SIGTERM: the transaction in flight ends, nothing new starts (what committed is marked).
      const stop = new AbortController();
      const onSignal = (): void => stop.abort();
      process.once('SIGINT', onSignal).once('SIGTERM', onSignal);
      try {
        return await (await import('./dead-letters-replay.js')).replayCommand(o, stop.signal, testHooksFromEnv(process.env));
      } finally {
        process.off('SIGINT', onSignal).off('SIGTERM', onSignal);
      }
    })()));
  letterOptions(letters.command('purge').description('drop the letters that pass the filters (a topic letter is marked purged); prints the count, and changes nothing without --yes'))
    .option('--yes', 'purge them (without it: the count, exit 1)')
    .action(async (o: import('./dead-letters.js').LetterCommandOptions & { yes?: boolean }) => done((await import('./dead-letters.js')).purgeCommand(o)));
  program
    .command('plan')
    .description('print the compiled plan as JSON')
    .addOption(configOption())
    .action(async (o: { config: string[] }) => done((await import('./plan.js')).planCommand(o)));
  return program;
}

export async function main(argv: string[]): Promise<number> {
  let pending: CommandResult | Promise<CommandResult> | undefined;
  try {
    await buildProgram((r) => { pending = r; }).parseAsync(['node', 'sc-project', ...argv]);
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : EXIT_USAGE;
    throw e;
  }
  if (pending === undefined) return 0;
  let r: CommandResult;
  try {
    r = await pending;
  } catch (e) {
    // Commands turn the errors they expect into a message; anything else is still one line
    // (a driver's stack is noise to an operator), with the trace at --log-level debug.
    const debug = process.env.SC_PROJECT_LOG_LEVEL === 'debug';
    r = { code: EXIT_FAILED, stdout: '', stderr: `sc-project: ${e instanceof Error ? (debug ? e.stack ?? e.message : e.message) : String(e)}\n` };
  }
  if (r.stdout) process.stdout.write(r.stdout);
  // Error lines echo input (file names, event types, URLs): no userinfo, no terminal escapes.
  if (r.stderr) process.stderr.write(safeOutput(r.stderr));
  return r.code;
}
