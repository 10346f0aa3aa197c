#!/usr/bin/env node
/**
 * sc-project benchmark suite: `npm run bench [-- --quick] [-- --count N]`. See bench/README.md.
 *
 * One deterministic Social Commerce stream (scripts/generate-events.mjs) is published once to
 * fresh Kafka topics (`bench-<id>-<topic>`), and a temporary copy of projections/ reads them
 * under fresh group names (`<group>-<id>`). Then, each from an empty fresh database on the server
 * of --database-url (MariaDB, or PostgreSQL with a postgres:// URL: bench/server.mjs):
 *   (a) `sc-project run` (a child process) until every group's stored positions reach the end
 *       offsets: events/s, rows/s, commit latency, statements and batch sizes, peak RSS;
 *   (b) the same with `--max-batch 1 --concurrency 1` (one message at a time, one transaction
 *       each: the seed services' consumers) on a prefix of the stream,
 *       published to its own topics (`bench-<id>-p-<topic>`);
 *   (c) the ceiling: the final rows of (a) written to a fresh database the fastest plain way:
 *       multi-row INSERTs on MariaDB (1,000 rows a statement, 5,000 rows a transaction), COPY on
 *       PostgreSQL; no Kafka, no logic;
 *   (d) extraction: the projections' JSONPaths over the stream's values, compiled accessors vs
 *       jsonpath-plus.
 * Prints a table, writes bench/results/<ISO timestamp>.json, drops what it created.
 */
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const BIN = path.join(ROOT, 'bin', 'sc-project.js');
const started = performance.now();

// ---------------------------------------------------------------------------------------------
// Options

function usage(code) {
  process.stderr.write(`usage: npm run bench [-- --quick] [-- --count N] [options]
  --scenario S          sc (the Social Commerce stream), flat (the flat upsert, bench/flat.mjs)
                        or all (default: both)
  --quick               20,000 messages (default 200,000), prefix 5,000
  --count N             messages in the stream
  --prefix K            messages of the stream's start for (b) --max-batch 1 (default 10,000; quick 5,000)
  --seed S              generator seed (default "bench")
  --duplicates F        share of duplicate messages (default 0.03)
  --bad F               share of bad messages (default 0.001)
  --partitions P        partitions per topic (default 3)
  --brokers LIST        Kafka brokers (default $KAFKA_BROKERS or 127.0.0.1:9092)
  --database-url URL    the server to use: mysql://… (MariaDB) or postgres://… (PostgreSQL); default
                        $SC_BENCH_DATABASE_URL, else $DATABASE_URL, else mysql://sc:sc@127.0.0.1:3306/sc_project;
                        the bench creates and drops its own databases there
  --only a,b,c,d,e,v    run only these measurements ((c) needs (a)); add m for the metrics' cost.
                        flat: (a) default route without ids, (e) with event type and id, (c) ceiling,
                        (v) (a)'s records as Avro values (formats: { value: avro }, schema from a file)
  --rounds R            flat: R interleaved rounds of (a), (e) and (c); medians (default 1)
  --updates F           flat: share of records that update an earlier id (default 0.03)
  --metrics-pairs K     (m): K pairs of runs of the whole stream, without and with --http (scraped
                        every 2 s), alternating, each under fresh groups (default 2)
  --metrics-parallel    (m): run each pair's two runs at the same time instead, so both see
                        the same machine load (compare their engine CPU seconds)
  --cpu-prof            profile the (a) child with node --cpu-prof and print its top functions
  --stats-interval S    stats line interval of the children (default 5)
  --timeout-min M       give up a run after M minutes (default: scaled to N, at least 5)
  --run-args "ARGS"     extra arguments for (a)'s \`sc-project run\` (e.g. "--max-batch 1000")
  --build               rebuild dist/ first (it is built anyway when missing)
  --keep                keep the databases and topics (for inspection)
`);
  process.exit(code);
}

function parseArgs(argv) {
  const o = {
    scenario: 'all', rounds: 1, updates: 0.03, quick: false, count: undefined, prefix: undefined, seed: 'bench', duplicates: 0.03, bad: 0.001, partitions: 3,
    brokers: process.env.KAFKA_BROKERS ?? '127.0.0.1:9092', databaseUrl: process.env.SC_BENCH_DATABASE_URL ?? process.env.DATABASE_URL ?? 'mysql://sc:sc@127.0.0.1:3306/sc_project',
    only: new Set(['a', 'b', 'c', 'd', 'e', 'v']), metricsPairs: 2, metricsParallel: false, runArgs: [], cpuProf: false, statsInterval: 5, timeoutMin: undefined, build: false, keep: false,
  };
  const num = (a, v) => {
    const x = Number(v);
    if (v === undefined || !Number.isFinite(x) || x < 0) {
      process.stderr.write(`bench: ${a} needs a number, got ${v}\n`);
      usage(2);
    }
    return x;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const v = argv[i + 1];
    switch (a) {
      case '--quick': o.quick = true; break;
      case '--scenario':
        if (!['sc', 'flat', 'all'].includes(v)) {
          process.stderr.write(`bench: --scenario is sc, flat or all, got ${v}\n`);
          usage(2);
        }
        o.scenario = v; i++; break;
      case '--rounds': o.rounds = Math.max(1, Math.floor(num(a, v))); i++; break;
      case '--updates': o.updates = num(a, v); i++; break;
      case '--count': o.count = Math.floor(num(a, v)); i++; break;
      case '--prefix': o.prefix = Math.floor(num(a, v)); i++; break;
      case '--seed': o.seed = String(v); i++; break;
      case '--duplicates': o.duplicates = num(a, v); i++; break;
      case '--bad': o.bad = num(a, v); i++; break;
      case '--partitions': o.partitions = Math.max(1, Math.floor(num(a, v))); i++; break;
      case '--brokers': o.brokers = String(v); i++; break;
      case '--database-url': o.databaseUrl = String(v); i++; break;
      case '--only': o.only = new Set(String(v).split(',').map((s) => s.trim())); i++; break;
      case '--cpu-prof': o.cpuProf = true; break;
      case '--metrics-parallel': o.metricsParallel = true; break;
      case '--metrics-pairs': o.metricsPairs = Math.max(1, Math.floor(num(a, v))); i++; break;
      case '--run-args': o.runArgs = String(v ?? '').split(/\s+/).filter(Boolean); i++; break;
      case '--stats-interval': o.statsInterval = Math.max(1, num(a, v)); i++; break;
      case '--timeout-min': o.timeoutMin = num(a, v); i++; break;
      case '--build': o.build = true; break;
      case '--keep': o.keep = true; break;
      case '-h': case '--help': usage(0); break;
      default:
        process.stderr.write(`bench: unknown argument ${a}\n`);
        usage(2);
    }
  }
  o.count ??= o.quick ? 20_000 : 200_000;
  o.prefix = Math.min(o.count, o.prefix ?? (o.quick ? 5_000 : 10_000));
  if (o.only.has('c')) o.only.add('a');
  o.sc = o.scenario !== 'flat';
  o.flat = o.scenario !== 'sc';
  return o;
}

const opt = parseArgs(process.argv.slice(2));

/**
 * Kafka Connect 3.9.1 + Debezium JDBC sink, tuned (batch 2000, 3 tasks, MariaDB bulk protocol
 * `useServerPrepStmts=true&useBulkStmts=true`), on this 2-core box, same Kafka and MariaDB, same
 * workload (200,000 records, 3 % updates, one 3-partition topic), medians of 3 interleaved
 * rounds: issue 13's table. A constant: Kafka Connect is not part of this repository.
 */
const JDBC_REFERENCE = {
  source: 'issue 13: Kafka Connect 3.9.1 + Debezium JDBC sink, batch 2000, 3 tasks, useServerPrepStmts=true&useBulkStmts=true; same box, 200,000 records, medians of 3 rounds',
  rows_per_s_wall: 11_316, rows_per_s_steady: 14_784, cpu_s_per_10k_rows: 1.65, peak_rss_mb: 738,
};
const FLAT_TARGET = { times_jdbc: 2, engine_us_per_msg: 25 };

// ---------------------------------------------------------------------------------------------
// Small helpers

const elapsed = () => ((performance.now() - started) / 1000).toFixed(1).padStart(6);
const progress = (msg) => process.stderr.write(`[bench ${elapsed()}s] ${msg}\n`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const fmt = (x, digits = 0) => (x === undefined || x === null || Number.isNaN(x) ? '–' : Number(x).toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits }));

async function withTimeout(promise, ms, what) {
  let timer;
  try {
    return await Promise.race([promise, new Promise((_, rej) => { timer = setTimeout(() => rej(new Error(`${what}: timed out after ${Math.round(ms / 1000)} s`)), ms); })]);
  } finally {
    clearTimeout(timer);
  }
}

function run(cmd, args, timeoutMs, what) {
  const r = spawnSync(cmd, args, { cwd: ROOT, encoding: 'utf8', timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 });
  if (r.error) throw new Error(`${what}: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`${what} exited ${r.status}:\n${(r.stderr || r.stdout).slice(-3000)}`);
  return r.stdout;
}

function procStatus(pid) {
  try {
    const s = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (k) => Number(new RegExp(`^${k}:\\s+(\\d+) kB`, 'm').exec(s)?.[1] ?? NaN);
    return { rssKb: kb('VmRSS'), hwmKb: kb('VmHWM') };
  } catch {
    return undefined;
  }
}

const CLK_TCK = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;

/** CPU seconds (user + system) a process has used so far, from /proc/<pid>/stat. */
function cpuSeconds(pid) {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / CLK_TCK;
  } catch {
    return undefined;
  }
}

/** The Kafka broker's pid, when it runs on this machine (the database server's CPU: bench/server.mjs). */
function servicePids() {
  const out = {};
  for (const d of readdirSync('/proc').filter((x) => /^\d+$/.test(x))) {
    try {
      const comm = readFileSync(`/proc/${d}/comm`, 'utf8').trim();
      if (comm === 'java' && readFileSync(`/proc/${d}/cmdline`, 'utf8').includes('kafka.Kafka')) out.kafka = Number(d);
    } catch { /* gone */ }
  }
  return out;
}

function percentileOf(sorted, p) {
  if (sorted.length === 0) return undefined;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

// ---------------------------------------------------------------------------------------------
// Build, validate, imports from the built engine

if (opt.build || !existsSync(path.join(ROOT, 'dist', 'index.js')) || !existsSync(path.join(ROOT, 'dist', 'compile', 'accessor.js'))) {
  progress('building dist/ (npx tsc -p .)');
  run(process.platform === 'win32' ? 'npx.cmd' : 'npx', ['tsc', '-p', '.'], 300_000, 'tsc');
}
const { validatePaths, applyDdl } = await import(pathToFileURL(path.join(ROOT, 'dist', 'index.js')).href);
const { compilePath } = await import(pathToFileURL(path.join(ROOT, 'dist', 'compile', 'accessor.js')).href);
const { compileExtractor } = await import(pathToFileURL(path.join(ROOT, 'dist', 'compile', 'extract.js')).href);
const { generateMessages, newStats, ANALYTICS_TOPICS, READ_MODEL_TOPICS } = await import(pathToFileURL(path.join(ROOT, 'scripts', 'generate-events.mjs')).href);
const { JSONPath } = await import('jsonpath-plus');
const { Kafka, logLevel, Partitioners } = (await import('kafkajs')).default;
const { openServer } = await import(pathToFileURL(path.join(ROOT, 'bench', 'server.mjs')).href);
const YAML = await import('yaml');

const { flatRecords, flatSpec, FLAT_TABLE, flatAvroValue, FLAT_AVRO_ID, FLAT_AVRO_SCHEMA } = await import(pathToFileURL(path.join(ROOT, 'bench', 'flat.mjs')).href);

const specSource = path.join(ROOT, 'projections');
if (opt.sc) {
  const validation = run(process.execPath, [BIN, 'validate', '--config', specSource], 120_000, 'sc-project validate --config projections');
  if (!/^ok\b/m.test(validation)) throw new Error(`projections do not validate:\n${validation}`);
  progress(validation.trim());
}

// ---------------------------------------------------------------------------------------------
// Identity of this run, services

const id = `${new Date().toISOString().replace(/[-:T]/g, '').slice(2, 14)}-${randomBytes(2).toString('hex')}`;
const dbId = id.replace(/-/g, '_');
const dbServer = await openServer(opt.databaseUrl);
const q = dbServer.q;
const dbUrl = (name) => dbServer.url(name);
const brokers = opt.brokers.split(',').map((b) => b.trim()).filter(Boolean);
const kafka = new Kafka({ clientId: `sc-bench-${id}`, brokers, logLevel: logLevel.NOTHING, retry: { retries: 8 } });
const created = { databases: [], tmp: undefined, groups: [] };
const topicPrefix = `bench-${id}-`;

let admin;
let cleanupPromise;

/** Once: a second call (the signal handler and main's finally) waits for the first. */
function cleanup() {
  cleanupPromise ??= doCleanup();
  return cleanupPromise;
}

async function doCleanup() {
  if (opt.keep) {
    progress(`--keep: left databases ${created.databases.join(', ')} and topics ${topicPrefix}*`);
    return;
  }
  progress('cleaning up databases, topics, groups and temporary specs');
  try {
    for (const c of openConnections) c.destroy();
    await withTimeout(dbServer.dropDatabases(created.databases, progress), 120_000, 'drop the databases');
  } catch (e) {
    progress(`database cleanup failed: ${e.message}`);
  }
  try {
    if (admin !== undefined) {
      const topics = (await withTimeout(admin.listTopics(), 20_000, 'list topics')).filter((t) => t.startsWith(topicPrefix));
      if (topics.length > 0) await withTimeout(admin.deleteTopics({ topics, timeout: 30_000 }), 60_000, 'delete topics');
      // A group whose member died without leaving stays non-empty until its session times out
      // (30 s in the runtime): retry for a while, each time with the groups that still exist.
      const until = Date.now() + 45_000;
      for (;;) {
        const existing = new Set((await withTimeout(admin.listGroups(), 20_000, 'list groups')).groups.map((g) => g.groupId));
        const left = created.groups.filter((g) => existing.has(g));
        if (left.length === 0) break;
        const gone = await Promise.all(left.map((g) => withTimeout(admin.deleteGroups([g]), 20_000, 'delete group').then(() => true, () => false)));
        if (gone.every(Boolean)) break;
        if (Date.now() > until) {
          progress(`could not delete consumer groups ${left.filter((_, i) => !gone[i]).join(', ')} (still in use?)`);
          break;
        }
        await sleep(3000);
      }
      await admin.disconnect();
    }
  } catch (e) {
    progress(`Kafka cleanup failed: ${e.message}`);
  }
  if (created.tmp !== undefined) rmSync(created.tmp, { recursive: true, force: true });
}

let interrupted = false;
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => {
    if (interrupted) process.exit(130);
    interrupted = true;
    progress(`${sig}: stopping`);
    // A child that stops gracefully leaves its consumer groups, so cleanup can delete them. A
    // Ctrl-C reaches the child too (same process group), and `run` exits at once on a second
    // signal: give it 2 s to stop on its own before sending SIGTERM, then SIGKILL after 15 s.
    const children = [...liveChildren];
    const exited = (c) => new Promise((res) => (c.exitCode !== null || c.signalCode !== null ? res() : c.once('exit', res)));
    const gone = Promise.all(children.map(exited));
    void withTimeout(gone, 2_000, 'children to stop')
      .catch(() => {
        for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGTERM');
        return withTimeout(gone, 15_000, 'children to stop');
      })
      .catch(() => { for (const c of children) c.kill('SIGKILL'); })
      .then(() => cleanup())
      .finally(() => process.exit(130));
  });
}
const liveChildren = new Set();
const openConnections = new Set();

/** A connection (bench/server.mjs) that cleanup() can destroy if its phase failed. */
async function connect(database) {
  const c = await withTimeout(dbServer.connect(database), 15_000, `connect to ${dbServer.name}`);
  openConnections.add(c);
  const end = c.end.bind(c);
  c.end = async () => { openConnections.delete(c); await end(); };
  return c;
}

// ---------------------------------------------------------------------------------------------
// Main

const results = {
  started_at: new Date().toISOString(),
  id,
  command: `node bench/run.mjs ${process.argv.slice(2).join(' ')}`.trim(),
  machine: machineFacts(),
  stream: undefined,
  a: undefined, b: undefined, c: undefined, d: undefined, m: undefined, flat: undefined,
  ratios: {},
  errors: [],
};

try {
  await main();
} catch (e) {
  results.errors.push(interrupted ? 'interrupted' : String(e?.stack ?? e));
  if (!interrupted) progress(`FAILED: ${e?.stack ?? e}`);
} finally {
  await cleanup();
}
finish();

async function main() {
  // Services.
  results.machine.database = await withTimeout(dbServer.facts(), 15_000, `connect to ${dbServer.name}`).catch((e) => {
    throw new Error(`${dbServer.name} at ${dbServer.where} is not reachable (${e.message}); run \`bash scripts/services.sh up\``);
  });
  admin = kafka.admin();
  await withTimeout(admin.connect(), 20_000, `connect to Kafka at ${brokers.join(',')}`).catch((e) => {
    throw new Error(`Kafka at ${brokers.join(',')} is not reachable (${e.message}); run \`bash scripts/services.sh up\``);
  });
  created.tmp = mkdtempSync(path.join(os.tmpdir(), `sc-bench-${id}-`));
  if (opt.sc) await socialCommerce();
  if (opt.flat) results.flat = await flatScenario();
}

/** The Social Commerce stream: (a), (b), (c), (d) and (m). */
async function socialCommerce() {

  // The stream.
  progress(`generating ${fmt(opt.count)} messages (seed ${opt.seed}, ${opt.duplicates * 100} % duplicates, ${opt.bad * 100} % bad)`);
  const genStats = newStats();
  const stream = [];
  const t0 = performance.now();
  for (const m of generateMessages({ count: opt.count, seed: opt.seed, duplicates: opt.duplicates, bad: opt.bad, topics: 'all' }, genStats)) {
    stream.push({ topic: m.topic, key: m.key === null ? null : Buffer.from(String(m.key)), value: Buffer.from(m.value_raw !== undefined ? m.value_raw : JSON.stringify(m.value)), bad: m.value_raw !== undefined });
  }
  const bytes = stream.reduce((s, m) => s + m.value.length, 0);
  results.stream = {
    messages: opt.count, seed: opt.seed, duplicates_share: opt.duplicates, bad_share: opt.bad, partitions: opt.partitions,
    events: genStats.events, duplicates: genStats.duplicates.adjacent + genStats.duplicates.far, bad: Object.values(genStats.bad).reduce((a, b) => a + b, 0),
    orphans: genStats.orphans, value_bytes: bytes, by_topic: genStats.byTopic, generate_s: (performance.now() - t0) / 1000,
  };
  progress(`generated in ${results.stream.generate_s.toFixed(1)} s: ${fmt(bytes / 1048576, 1)} MB of values, ${results.stream.duplicates} duplicates, ${results.stream.bad} bad, ${results.stream.orphans} orphans`);

  // Partitions as the default (murmur2) partitioner would choose them, so every message's offset is known.
  const partitioner = Partitioners.DefaultPartitioner();
  const meta = Array.from({ length: opt.partitions }, (_, i) => ({ partitionId: i, leader: 0, replicas: [0], isr: [0] }));
  stream.forEach((m, i) => {
    m.partition = m.key === null ? i % opt.partitions : partitioner({ topic: m.topic, partitionMetadata: meta, message: { key: m.key, value: m.value } });
  });

  // Temporary specs with renamed topics and groups.
  const topics = [...ANALYTICS_TOPICS, ...READ_MODEL_TOPICS];
  const mainTopic = (t) => `${topicPrefix}${t}`;
  const prefixTopic = (t) => `${topicPrefix}p-${t}`;
  const mainSpecs = writeSpecs(path.join(created.tmp, 'main'), mainTopic, (g) => `${g}-${id}`);
  const prefixSpecs = writeSpecs(path.join(created.tmp, 'prefix'), prefixTopic, (g) => `${g}-${id}-p`);
  created.groups.push(...Object.keys(mainSpecs.groups), ...Object.keys(prefixSpecs.groups));
  // Topics a spec reads that the generator does not write (a router's own topic): created empty,
  // or the run would refuse to start.
  for (const t of Object.values(mainSpecs.groups).flatMap((g) => g.topics)) if (!topics.includes(t)) topics.push(t);

  // Topics, published once.
  const wantTopics = [...topics.map(mainTopic), ...(opt.only.has('b') ? topics.map(prefixTopic) : [])];
  progress(`creating ${wantTopics.length} topics × ${opt.partitions} partitions (${topicPrefix}*)`);
  await withTimeout(admin.createTopics({ waitForLeaders: true, topics: wantTopics.map((topic) => ({ topic, numPartitions: opt.partitions, replicationFactor: -1 })) }), 60_000, 'create topics');
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
  await withTimeout(producer.connect(), 20_000, 'producer connect');
  const publishTimeout = Math.max(120_000, opt.count * 5);
  const pub = await withTimeout(publish(producer, stream, mainTopic), publishTimeout, 'publish');
  results.stream.publish_s = pub.seconds;
  results.stream.publish_msgs_per_s = opt.count / pub.seconds;
  progress(`published ${fmt(opt.count)} messages in ${pub.seconds.toFixed(1)} s (${fmt(opt.count / pub.seconds)} msg/s)`);
  let prefixEnds;
  if (opt.only.has('b')) {
    const p = await withTimeout(publish(producer, stream.slice(0, opt.prefix), prefixTopic), publishTimeout, 'publish prefix');
    prefixEnds = p.ends;
    progress(`published the first ${fmt(opt.prefix)} messages to ${topicPrefix}p-* for (b)`);
  }
  await producer.disconnect();
  await checkEnds(pub.ends, mainTopic);
  if (prefixEnds !== undefined) await checkEnds(prefixEnds, prefixTopic);

  // (a) batched run of the whole stream.
  if (opt.only.has('a')) {
    const timeoutMs = (opt.timeoutMin ?? Math.max(5, opt.count / 10_000)) * 60_000;
    results.a = await measureRun({ label: `(a) run${opt.runArgs.length > 0 ? ` ${opt.runArgs.join(' ')}` : ''}`, specs: mainSpecs, ends: pub.ends, topicName: mainTopic, db: `sc_bench_${dbId}_a`, extra: opt.runArgs, timeoutMs, cpuProf: opt.cpuProf });
    results.a.run_args = opt.runArgs;
  }
  // (b) one transaction per message, on the prefix.
  if (opt.only.has('b')) {
    const timeoutMs = (opt.timeoutMin ?? Math.max(5, opt.prefix / 250 / 60 * 3)) * 60_000;
    results.b = await measureRun({ label: '(b) run --max-batch 1 --concurrency 1', specs: prefixSpecs, ends: prefixEnds, topicName: prefixTopic, db: `sc_bench_${dbId}_b`, extra: ['--max-batch', '1', '--concurrency', '1'], timeoutMs, messages: opt.prefix });
  }
  // (c) the ceiling: (a)'s rows by plain INSERTs.
  if (opt.only.has('c') && results.a?.drained) results.c = await withTimeout(ceiling(mainSpecs, `sc_bench_${dbId}_a`, `sc_bench_${dbId}_c`), 30 * 60_000, '(c) ceiling');
  // (d) extraction.
  if (opt.only.has('d')) results.d = extraction(stream);
  // (m) the metrics' cost: the same run without and with --http, alternating (the machine's load
  // drifts; alternating spreads it over both), each pair under fresh groups (Kafka offsets of a
  // finished run would make the next one start at the end).
  if (opt.only.has('m')) {
    const timeoutMs = (opt.timeoutMin ?? Math.max(5, opt.count / 10_000)) * 60_000;
    const runs = { without: [], with: [] };
    // The specs first: writeSpecs validates them with a blocking child, which would stall a
    // run already started next to it (its database handshake timed out).
    const specsOf = (i, mode) => {
      const tag = `m${i}${mode === 'with' ? 'h' : 'n'}`;
      const specs = writeSpecs(path.join(created.tmp, tag), mainTopic, (g) => `${g}-${id}-${tag}`);
      created.groups.push(...Object.keys(specs.groups));
      return { tag, specs };
    };
    const one = async (i, mode, { tag, specs }) => {
      const extra = [...opt.runArgs, ...(mode === 'with' ? ['--http', '127.0.0.1:0'] : [])];
      const r = await measureRun({ label: `(m) run ${mode} --http #${i + 1}`, specs, ends: pub.ends, topicName: mainTopic, db: `sc_bench_${dbId}_${tag}`, extra, timeoutMs, scrape: mode === 'with' });
      runs[mode].push({ events_per_s_wall: r.group_events_per_s_wall, events_per_s_steady: r.group_events_per_s_steady, engine_cpu_s: r.cpu.engine_s, wall_s: r.wall_s, drained: r.drained, scrapes: r.scrapes });
    };
    for (let i = 0; i < opt.metricsPairs; i++) {
      const modes = i % 2 === 0 ? ['without', 'with'] : ['with', 'without'];
      const prepared = modes.map((mode) => specsOf(i, mode));
      if (opt.metricsParallel) await Promise.all(modes.map((mode, k) => one(i, mode, prepared[k])));
      else for (const [k, mode] of modes.entries()) await one(i, mode, prepared[k]);
    }
    const median = (xs) => { const v = xs.filter((x) => x !== undefined).sort((a, b) => a - b); return v.length === 0 ? undefined : v.length % 2 ? v[(v.length - 1) / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2; };
    const m = {
      pairs: opt.metricsPairs, parallel: opt.metricsParallel, runs,
      without_events_per_s_steady: median(runs.without.map((r) => r.events_per_s_steady)),
      with_events_per_s_steady: median(runs.with.map((r) => r.events_per_s_steady)),
      without_engine_cpu_s: median(runs.without.map((r) => r.engine_cpu_s)),
      with_engine_cpu_s: median(runs.with.map((r) => r.engine_cpu_s)),
    };
    m.throughput_cost_pct = m.without_events_per_s_steady && m.with_events_per_s_steady ? 100 * (1 - m.with_events_per_s_steady / m.without_events_per_s_steady) : undefined;
    m.engine_cpu_cost_pct = m.without_engine_cpu_s && m.with_engine_cpu_s ? 100 * (m.with_engine_cpu_s / m.without_engine_cpu_s - 1) : undefined;
    results.m = m;
  }
}

// ---------------------------------------------------------------------------------------------
// The flat upsert (issue 13): N flat records of 8 columns on one topic, upserted by id


async function flatScenario() {
  const kinds = ['a', 'e', 'v'].filter((k) => opt.only.has(k));
  if (kinds.length === 0) return undefined;
  const topicOf = { a: 'flat', e: 'flat-ids', v: 'flat-avro' };
  // (v) reads its schema from a file (run --schemas DIR): the bench needs no schema registry.
  const schemasDir = path.join(created.tmp, 'avro-schemas');
  mkdirSync(schemasDir, { recursive: true });
  writeFileSync(path.join(schemasDir, `${FLAT_AVRO_ID}.avsc`), JSON.stringify(FLAT_AVRO_SCHEMA));
  const kafkaTopic = (t) => `${topicPrefix}${t}`;
  progress(`flat: ${fmt(opt.count)} records of 8 columns, ${opt.updates * 100} % updates of an earlier id, ${opt.partitions} partitions; ${kinds.map((k) => `(${k}) ${kafkaTopic(topicOf[k])}`).join(', ')}`);
  // The dead-letter topics too: a run that creates `<topic>.dlq` at start-up sometimes failed on
  // the next metadata request ("This server does not host this topic-partition").
  const flatTopics = kinds.flatMap((k) => [kafkaTopic(topicOf[k]), `${kafkaTopic(topicOf[k])}.dlq`]);
  await withTimeout(admin.createTopics({ waitForLeaders: true, topics: flatTopics.map((topic) => ({ topic, numPartitions: opt.partitions, replicationFactor: -1 })) }), 60_000, 'create topics');
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
  await withTimeout(producer.connect(), 20_000, 'producer connect');
  const partitioner = Partitioners.DefaultPartitioner();
  const meta = Array.from({ length: opt.partitions }, (_, i) => ({ partitionId: i, leader: 0, replicas: [0], isr: [0] }));
  const ends = new Map(); // `${topic}/${partition}` → next offset, as measureRun reads them
  const workload = {};
  for (const k of kinds) {
    // Generated while publishing, a chunk at a time: 1 M records need not sit in memory.
    const stats = {};
    const t0 = performance.now();
    let chunk = [];
    let bytes = 0;
    const send = async () => {
      await producer.send({ topic: kafkaTopic(topicOf[k]), acks: -1, messages: chunk });
      chunk = [];
    };
    for (const r of flatRecords({ count: opt.count, updates: opt.updates, seed: `${opt.seed}-flat`, withIds: k === 'e' }, stats)) {
      const key = Buffer.from(r.key);
      const value = k === 'v' ? flatAvroValue(r.record) : Buffer.from(r.value);
      bytes += value.length;
      const partition = partitioner({ topic: topicOf[k], partitionMetadata: meta, message: { key, value } });
      const e = `${topicOf[k]}/${partition}`;
      ends.set(e, (ends.get(e) ?? 0) + 1);
      chunk.push({ key, value, partition });
      if (chunk.length === 5000) await send();
    }
    if (chunk.length > 0) await send();
    workload[k] = { ...stats, value_bytes: bytes, publish_s: (performance.now() - t0) / 1000 };
    progress(`flat (${k}): published ${fmt(opt.count)} records (${fmt(bytes / 1048576, 1)} MB, ${fmt(stats.updates)} updates → ${fmt(stats.rows)} rows) in ${workload[k].publish_s.toFixed(1)} s`);
  }
  await producer.disconnect();
  await checkEnds(ends, kafkaTopic);

  const timeoutMs = (opt.timeoutMin ?? Math.max(5, opt.count / 10_000)) * 60_000;
  const rounds = [];
  for (let r = 0; r < opt.rounds; r++) {
    // Interleaved: (a) then (e) in even rounds, (e) then (a) in odd ones, so load drift falls on both.
    const order = r % 2 === 0 ? kinds : [...kinds].reverse();
    const round = {};
    for (const k of order) {
      const tag = `f${r}${k}`;
      const group = `bench-flat-${id}-${tag}`;
      const dir = path.join(created.tmp, tag);
      mkdirSync(dir, { recursive: true });
      writeFileSync(path.join(dir, 'flat.yaml'), flatSpec({ topic: kafkaTopic(topicOf[k]), group, withIds: k === 'e', avro: k === 'v' }));
      const v = run(process.execPath, [BIN, 'validate', '--config', dir], 120_000, `validate ${dir}`);
      if (!/^ok\b/m.test(v)) throw new Error(`the flat spec does not validate:\n${v}`);
      created.groups.push(group);
      const specs = { dir, groups: { [group]: { original: `bench-flat${k === 'e' ? '-ids' : k === 'v' ? '-avro' : ''}`, topics: [topicOf[k]] } } };
      const db = `sc_bench_${dbId}_${tag}`;
      const label = `flat (${k}) ${{ a: 'default route, id: none', e: 'event type + id', v: 'Avro values, id: none' }[k]}, round ${r + 1}`;
      const extra = k === 'v' ? [...opt.runArgs, '--schemas', schemasDir] : opt.runArgs;
      const m = await measureRun({ label, specs, ends, topicName: kafkaTopic, db, extra, timeoutMs, cpuProf: opt.cpuProf && r === 0 ? `flat-${k}` : false });
      m.check = await checkFlatRows(db, workload[k]);
      if (!m.check.ok) results.errors.push(`${label}: ${m.check.problem}`);
      round[k] = { ...m, specs, db };
      // (c): the same final rows by plain INSERTs, from the first drained run of the round.
      if (opt.only.has('c') && m.drained && round.c === undefined) round.c = await withTimeout(ceiling(specs, db, `sc_bench_${dbId}_f${r}c`), 30 * 60_000, 'flat (c) ceiling');
    }
    rounds.push(round);
  }

  const median = (xs) => { const v = xs.filter((x) => typeof x === 'number' && Number.isFinite(x)).sort((p, q) => p - q); return v.length === 0 ? undefined : v.length % 2 ? v[(v.length - 1) / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2; };
  const ceilingRate = median(rounds.map((x) => x.c?.rows_per_s));
  const summary = {};
  for (const k of kinds) {
    const runs = rounds.map((x) => x[k]);
    const perRun = runs.map((m) => {
      const steadyMsgs = m.first_commit_group_events === undefined ? undefined : m.messages - m.first_commit_group_events;
      const cpuAll = (m.cpu.engine_s ?? NaN) + (m.cpu.database_s ?? NaN) + (m.cpu.kafka_s ?? NaN);
      return {
        drained: m.drained, wall_s: m.wall_s, startup_s: m.startup_s, rows: m.rows, messages: m.messages,
        rows_per_s_wall: m.rows_per_s_wall, rows_per_s_steady: m.rows_per_s_steady, msgs_per_s_wall: m.msgs_per_s_wall,
        engine_cpu_s: m.cpu.engine_s, database_cpu_s: m.cpu.database_s, kafka_cpu_s: m.cpu.kafka_s, machine_busy_share: m.cpu.machine_busy_share,
        engine_us_per_msg: m.cpu.engine_s === undefined ? undefined : (1e6 * m.cpu.engine_s) / m.messages,
        engine_us_per_msg_steady: m.cpu.engine_steady_s === undefined || !steadyMsgs ? undefined : (1e6 * m.cpu.engine_steady_s) / steadyMsgs,
        cpu_s_per_10k_rows: Number.isFinite(cpuAll) && m.rows > 0 ? (cpuAll * 10_000) / m.rows : undefined,
        peak_rss_mb: m.peak_rss_mb, load_avg_1m_before: m.load_avg_1m_before, load_avg_1m_after: m.load_avg_1m_after,
        commit_p50_ms: Object.values(m.groups)[0]?.commit_p50_ms, commit_p99_ms: Object.values(m.groups)[0]?.commit_p99_ms,
        events_per_batch: Object.values(m.groups)[0]?.events_per_batch, check: m.check, cpu_profile: m.cpu_profile,
        startup_steps_s: {
          process_up: m.log_first_seen_s['sc-project starting'], tables_ready: m.log_first_seen_s.projection,
          partitions_assigned: m.log_first_seen_s['no stored position: starting from the earliest offset'] ?? m.log_first_seen_s['resuming from the stored position'],
          first_commit: m.startup_s,
        },
      };
    });
    const med = {};
    for (const f of ['wall_s', 'startup_s', 'rows_per_s_wall', 'rows_per_s_steady', 'msgs_per_s_wall', 'engine_cpu_s', 'database_cpu_s', 'kafka_cpu_s', 'engine_us_per_msg', 'engine_us_per_msg_steady', 'cpu_s_per_10k_rows', 'peak_rss_mb', 'load_avg_1m_before', 'commit_p50_ms', 'commit_p99_ms', 'events_per_batch']) med[f] = median(perRun.map((x) => x[f]));
    med.rows = perRun[0].rows;
    med.messages = perRun[0].messages;
    med.drained = perRun.every((x) => x.drained);
    med.share_of_ceiling_steady = med.rows_per_s_steady && ceilingRate ? med.rows_per_s_steady / ceilingRate : undefined;
    med.share_of_ceiling_wall = med.rows_per_s_wall && ceilingRate ? med.rows_per_s_wall / ceilingRate : undefined;
    med.times_jdbc_wall = med.rows_per_s_wall ? med.rows_per_s_wall / JDBC_REFERENCE.rows_per_s_wall : undefined;
    med.times_jdbc_steady = med.rows_per_s_steady ? med.rows_per_s_steady / JDBC_REFERENCE.rows_per_s_steady : undefined;
    summary[k] = { median: med, runs: perRun };
  }
  return {
    records: opt.count, updates_share: opt.updates, partitions: opt.partitions, rounds: opt.rounds, workload,
    ceiling: ceilingRate === undefined ? undefined : { rows_per_s: ceilingRate, runs: rounds.map((x) => x.c).filter(Boolean) },
    a: summary.a, e: summary.e, v: summary.v, jdbc_reference: JDBC_REFERENCE, target: FLAT_TARGET,
  };
}

/** The final table must hold one row per id with the last record's values (checked on `quantity`). */
async function checkFlatRows(database, want) {
  const conn = await connect(database);
  try {
    const [r] = await conn.rows(`SELECT COUNT(*) AS n, COALESCE(SUM(quantity), 0) AS q FROM ${q(FLAT_TABLE)}`);
    const rows = Number(r.n);
    const quantitySum = Number(r.q);
    const ok = rows === want.rows && quantitySum === want.quantitySum;
    return { ok, rows, quantity_sum: quantitySum, problem: ok ? undefined : `final table has ${rows} rows (want ${want.rows}) and SUM(quantity) ${quantitySum} (want ${want.quantitySum})` };
  } finally {
    await conn.end();
  }
}

// ---------------------------------------------------------------------------------------------
// Specs: a copy of projections/ with topics and groups renamed

function writeSpecs(dir, topicName, groupName) {
  mkdirSync(dir, { recursive: true });
  const groups = {};
  for (const f of readdirSync(specSource).filter((f) => /\.ya?ml$/.test(f) && !/\.test\.ya?ml$/.test(f)).sort()) {
    const docs = YAML.parseAllDocuments(readFileSync(path.join(specSource, f), 'utf8'));
    const out = [];
    for (const d of docs) {
      const js = d.toJS();
      if (js === null || typeof js !== 'object' || js.group === undefined) {
        out.push(String(d));
        continue;
      }
      // A topic may be written `${VAR:-default}` (resolved when the spec loads): resolve it here too.
      js.topics = js.topics.map((t) => String(t).replace(/\$\{(\w+)(?::-([^}]*))?\}/g, (_, v, dflt) => process.env[v] ?? dflt ?? ''));
      d.set('group', groupName(js.group));
      d.set('topics', d.createNode(js.topics.map(topicName), { flow: true }));
      const g = (groups[groupName(js.group)] ??= { original: js.group, topics: [] });
      for (const t of js.topics) if (!g.topics.includes(t)) g.topics.push(t);
      const s = String(d);
      out.push(out.length > 0 && !s.startsWith('---') ? `---\n${s}` : s);
    }
    writeFileSync(path.join(dir, f), out.join(''));
  }
  const v = run(process.execPath, [BIN, 'validate', '--config', dir], 120_000, `validate ${dir}`);
  if (!/^ok\b/m.test(v)) throw new Error(`rewritten specs do not validate:\n${v}`);
  return { dir, groups };
}

// ---------------------------------------------------------------------------------------------
// Kafka

async function publish(producer, messages, topicName) {
  const t0 = performance.now();
  const ends = new Map(); // `${topic}/${partition}` (original topic name) → next offset
  const CHUNK = 5000;
  for (let i = 0; i < messages.length; i += CHUNK) {
    const byTopic = new Map();
    for (const m of messages.slice(i, i + CHUNK)) {
      const t = topicName(m.topic);
      if (!byTopic.has(t)) byTopic.set(t, []);
      byTopic.get(t).push({ key: m.key, value: m.value, partition: m.partition });
      const k = `${m.topic}/${m.partition}`;
      ends.set(k, (ends.get(k) ?? 0) + 1);
    }
    await producer.sendBatch({ acks: -1, topicMessages: [...byTopic].map(([topic, msgs]) => ({ topic, messages: msgs })) });
    if (i > 0 && i % 50_000 === 0) progress(`  published ${fmt(i)}`);
  }
  return { seconds: (performance.now() - t0) / 1000, ends };
}

/** The topics were fresh: each partition's high watermark must be the count we sent. */
async function checkEnds(ends, topicName) {
  const originals = [...new Set([...ends.keys()].map((k) => k.slice(0, k.lastIndexOf('/'))))];
  for (const t of originals) {
    const offsets = await withTimeout(admin.fetchTopicOffsets(topicName(t)), 20_000, 'fetch offsets');
    for (const o of offsets) {
      const want = ends.get(`${t}/${o.partition}`) ?? 0;
      if (Number(o.high) !== want) {
        progress(`warning: ${topicName(t)}/${o.partition} ends at ${o.high}, expected ${want}; using the broker's figure`);
        ends.set(`${t}/${o.partition}`, Number(o.high));
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// (a) and (b): a child `sc-project run`, polled until drained

async function measureRun({ label, specs, ends, topicName, db, extra, timeoutMs, cpuProf = false, messages = opt.count, scrape = false }) {
  await dbServer.createDatabase(db);
  created.databases.push(db);
  const conn = await connect(db);

  // What drained means: every group's position on every non-empty partition of its topics.
  const expected = [];
  for (const [group, g] of Object.entries(specs.groups)) {
    for (const t of g.topics) {
      for (let p = 0; p < opt.partitions; p++) {
        const end = ends.get(`${t}/${p}`) ?? 0;
        if (end > 0) expected.push({ group, topic: topicName(t), partition: p, end });
      }
    }
  }
  const total = expected.reduce((s, e) => s + e.end, 0);
  const perGroupTotal = {};
  for (const e of expected) perGroupTotal[e.group] = (perGroupTotal[e.group] ?? 0) + e.end;

  const profDir = cpuProf ? path.join(ROOT, 'bench', 'results', `cpu-${id}${typeof cpuProf === 'string' ? `-${cpuProf}` : ''}`) : undefined;
  const args = [
    ...(profDir ? ['--cpu-prof', `--cpu-prof-dir=${profDir}`] : []),
    BIN, 'run', '--config', specs.dir, '--brokers', brokers.join(','), '--database-url', dbUrl(db),
    '--stats-interval', String(opt.statsInterval), '--log-format', 'json', '--client-id', `sc-bench-${id}`, '--processed-retention', '0', ...extra,
  ];
  progress(`${label}: ${fmt(messages)} messages = ${fmt(total)} group-events over ${Object.keys(specs.groups).length} groups, into ${db}${profDir ? ' (CPU-profiled)' : ''}`);
  const load = os.loadavg()[0];
  const services = servicePids();
  const cpu0 = { database: dbServer.cpu(), kafka: cpuSeconds(services.kafka), machine: machineCpu() };
  const t0 = performance.now();
  const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  liveChildren.add(child);
  const stats = [];
  const problems = [];
  const tail = [];
  const firstSeen = {};
  let exit;
  let scrapes = 0;
  let scraper;
  const exited = new Promise((res) => child.on('exit', (code, signal) => { exit = { code, signal }; liveChildren.delete(child); clearInterval(scraper); res(); }));
  const onLine = (line) => {
    if (line.trim() === '') return;
    tail.push(line);
    if (tail.length > 40) tail.shift();
    let j;
    try { j = JSON.parse(line); } catch { return; }
    // When each kind of log line first came: the start-up's steps (process up, tables, joined).
    if (typeof j.msg === 'string' && firstSeen[j.msg] === undefined) firstSeen[j.msg] = Number(((performance.now() - t0) / 1000).toFixed(2));
    // With --http, scrape like a (busy) Prometheus would: every 2 s, the whole exposition.
    if (scrape && j.msg === 'serving /metrics, /healthz and /readyz' && scraper === undefined) {
      scraper = setInterval(() => void fetch(`${j.address}/metrics`).then((r) => r.text()).then(() => { scrapes++; }, () => undefined), 2000);
    }
    if (j.msg === 'stats') stats.push({ t: (performance.now() - t0) / 1000, ...j });
    else if (j.level === 'warn' || j.level === 'error') {
      if (j.msg === 'dead-lettered') return;
      if (problems.length < 50) problems.push(`${j.level}: ${j.msg} ${JSON.stringify({ ...j, time: undefined, level: undefined, msg: undefined })}`);
    }
  };
  for (const s of [child.stdout, child.stderr]) {
    let buf = '';
    s.setEncoding('utf8');
    s.on('data', (d) => {
      buf += d;
      let i;
      while ((i = buf.indexOf('\n')) >= 0) {
        onLine(buf.slice(0, i));
        buf = buf.slice(i + 1);
      }
    });
  }

  let tFirst, cFirst, cpuFirst, tDrained, committed = 0, peakRssKb = 0, hwmKb = 0, timedOut = false, lastReport = 0;
  const timeline = [];
  for (;;) {
    const now = (performance.now() - t0) / 1000;
    if (exit !== undefined) throw new Error(`${label}: the child exited early (${JSON.stringify(exit)}):\n${tail.join('\n')}`);
    const st = procStatus(child.pid);
    if (st) {
      peakRssKb = Math.max(peakRssKb, st.rssKb || 0);
      hwmKb = Math.max(hwmKb, st.hwmKb || 0);
    }
    let rows = [];
    try {
      rows = await conn.rows(`SELECT consumer_group AS g, topic AS t, ${q('partition')} AS p, next_offset AS n FROM sc_consumer_positions`);
    } catch (e) {
      if (!dbServer.isMissingTable(e)) throw e; // the runtime has not created its tables yet
    }
    const pos = new Map(rows.map((r) => [`${r.g}\u0000${r.t}\u0000${r.p}`, Number(r.n)]));
    committed = expected.reduce((s, e) => s + Math.min(e.end, pos.get(`${e.group}\u0000${e.topic}\u0000${e.partition}`) ?? 0), 0);
    if (committed > 0 && tFirst === undefined) {
      tFirst = now;
      cFirst = committed;
      cpuFirst = cpuSeconds(child.pid);
    }
    if (now - lastReport >= 10) {
      lastReport = now;
      timeline.push({ t: Number(now.toFixed(1)), committed, rss_mb: st ? Math.round(st.rssKb / 1024) : undefined });
      progress(`  ${label}: ${fmt(committed)} / ${fmt(total)} group-events committed, RSS ${st ? fmt(st.rssKb / 1024) : '?'} MB`);
    }
    if (committed >= total) {
      tDrained = now;
      break;
    }
    if (now * 1000 > timeoutMs) {
      timedOut = true;
      progress(`${label}: TIMEOUT after ${Math.round(now)} s at ${fmt(committed)} / ${fmt(total)}`);
      break;
    }
    await sleep(100);
  }
  const st = procStatus(child.pid);
  if (st) hwmKb = Math.max(hwmKb, st.hwmKb || 0);
  // CPU seconds used from spawn to drained: the engine, the database server, Kafka, the machine.
  const cpu = {
    engine_s: cpuSeconds(child.pid),
    // From the first commit to drained: the engine's CPU without its start-up (module loading,
    // DDL, group joins), for µs per message on the steady part.
    engine_steady_s: undefined,
    database_s: cpu0.database === undefined ? undefined : (dbServer.cpu() ?? cpu0.database) - cpu0.database,
    kafka_s: cpu0.kafka === undefined ? undefined : cpuSeconds(services.kafka) - cpu0.kafka,
  };
  if (cpuFirst !== undefined && cpu.engine_s !== undefined) cpu.engine_steady_s = cpu.engine_s - cpuFirst;
  const m1 = machineCpu();
  if (cpu0.machine && m1) cpu.machine_busy_share = 1 - (m1.idle - cpu0.machine.idle) / (m1.total - cpu0.machine.total);
  clearInterval(scraper);
  child.kill('SIGTERM');
  await withTimeout(exited, 60_000, `${label}: graceful stop`).catch(async () => {
    child.kill('SIGKILL');
    await exited;
  });

  // The final stats line of each group (printed at stop) has the totals and commit latencies.
  const final = {};
  for (const s of stats) final[s.group] = s;
  const groups = {};
  for (const [g, s] of Object.entries(final)) {
    groups[specs.groups[g]?.original ?? g] = {
      events: s.events, expected_events: perGroupTotal[g], applied: s.applied, duplicates: s.duplicates, already_applied: s.already_applied,
      skipped_unhandled: s.skipped_unhandled, dead_lettered: s.dead_lettered, batches: s.batches, statements: s.statements, retries: s.retries,
      events_per_batch: s.batches > 0 ? s.events / s.batches : undefined, statements_per_batch: s.batches > 0 ? s.statements / s.batches : undefined,
      statements_per_applied_event: s.applied > 0 ? s.statements / s.applied : undefined,
      commit_p50_ms: s.commit_p50_ms, commit_p99_ms: s.commit_p99_ms,
    };
  }
  const counts = await tableCounts(conn, specs);
  await conn.end();
  const wall = tDrained ?? (performance.now() - t0) / 1000;
  const steady = tDrained !== undefined && tFirst !== undefined && tDrained > tFirst ? tDrained - tFirst : undefined;
  const out = {
    drained: tDrained !== undefined, timed_out: timedOut, exit, scrapes,
    messages, group_events: total, committed_group_events: committed,
    startup_s: tFirst, first_commit_group_events: cFirst, drain_s: steady, wall_s: wall,
    msgs_per_s_wall: tDrained ? messages / wall : undefined,
    group_events_per_s_wall: tDrained ? total / wall : committed / wall,
    group_events_per_s_steady: steady ? (total - cFirst) / steady : undefined,
    rows: counts.specRows, rows_by_table: counts.byTable, engine_rows: counts.engine,
    rows_per_s_wall: tDrained ? counts.specRows / wall : undefined,
    rows_per_s_steady: undefined,
    peak_rss_mb: Math.round(Math.max(hwmKb, peakRssKb) / 1024),
    cpu,
    groups, timeline, problems, log_first_seen_s: firstSeen, load_avg_1m_before: load, load_avg_1m_after: os.loadavg()[0],
    stats_lines: stats.map((s) => ({ t: Number(s.t.toFixed(1)), group: specs.groups[s.group]?.original ?? s.group, events: s.events, events_per_s: s.events_per_s, batches: s.batches, statements: s.statements })),
  };
  // Rows per second over the drain: the rows written after the first commit are not known
  // separately, so the steady figure scales the total by the steady share of the events.
  out.rows_per_s_steady = steady ? (counts.specRows * (total - cFirst)) / total / steady : undefined;
  if (profDir) out.cpu_profile = summarizeProfile(profDir);
  progress(`${label}: ${out.drained ? 'drained' : 'NOT drained'} in ${wall.toFixed(1)} s (startup ${tFirst?.toFixed(1) ?? '?'} s): ${fmt(out.group_events_per_s_wall)} group-events/s wall, ${fmt(out.group_events_per_s_steady)} steady; ${fmt(counts.specRows)} rows; peak RSS ${out.peak_rss_mb} MB; engine CPU ${cpu.engine_s?.toFixed(1) ?? '?'} s`);
  if (problems.length > 0) progress(`${label}: ${problems.length} warnings/errors from the child, first: ${problems[0]}`);
  if (timedOut) results.errors.push(`${label}: not drained within ${Math.round(timeoutMs / 1000)} s (${committed} of ${total} group-events committed); raise --timeout-min`);
  return out;
}

async function tableCounts(conn, specs) {
  const plan = validatePaths([specs.dir]).plan;
  const byTable = {};
  let specRows = 0;
  for (const t of plan.tables.map((x) => x.name).sort()) {
    const [r] = await conn.rows(`SELECT COUNT(*) AS n FROM ${q(t)}`);
    byTable[t] = Number(r.n);
    specRows += Number(r.n);
  }
  const engine = {};
  for (const t of ['sc_processed_events', 'sc_consumer_positions', 'sc_dead_letters']) {
    const [r] = await conn.rows(`SELECT COUNT(*) AS n FROM ${q(t)}`).catch(() => [{ n: NaN }]);
    engine[t] = Number(r.n);
  }
  return { specRows, byTable, engine };
}

function summarizeProfile(dir) {
  try {
    const files = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'));
    if (files.length === 0) return { error: 'no .cpuprofile written' };
    const out = run(process.execPath, [path.join(ROOT, 'bench', 'cpuprofile-top.mjs'), '--json', '--top', '30', path.join(dir, files[0])], 60_000, 'cpuprofile-top');
    return { file: path.relative(ROOT, path.join(dir, files[0])), ...JSON.parse(out) };
  } catch (e) {
    return { error: String(e.message ?? e) };
  }
}

// ---------------------------------------------------------------------------------------------
// (c) the ceiling

async function ceiling(specs, fromDb, toDb) {
  progress(`(c) ceiling: copying (a)'s rows into ${toDb} (${dbServer.kind === 'postgres' ? 'COPY' : 'plain multi-row INSERTs'})`);
  await dbServer.createDatabase(toDb);
  created.databases.push(toDb);
  const plan = validatePaths([specs.dir]).plan;
  await applyDdl(dbUrl(toDb), plan.tables);
  const out = await dbServer.ceiling(fromDb, toDb, plan.tables.map((x) => x.name).sort());
  progress(`(c) ceiling: ${fmt(out.rows)} rows in ${out.seconds.toFixed(2)} s = ${fmt(out.rows_per_s)} rows/s (${out.how})`);
  return out;
}

// ---------------------------------------------------------------------------------------------
// (d) extraction: compiled accessors vs jsonpath-plus

function extraction(stream) {
  const plan = JSON.parse(run(process.execPath, [BIN, 'plan', '--config', specSource], 60_000, 'sc-project plan'));
  // The paths the engine evaluates, handler by handler (one projection's operations for one event
  // type): its event paths, extracted in one call per event (dist/compile/extract.js), and its
  // `$item` paths, extracted in one call per item of the array it iterates.
  const handlersByType = new Map();
  const paths = { event: new Set(), item: new Set() };
  for (const projection of plan.projections) {
    for (const [type, ops] of Object.entries(projection.handlers)) {
      const mine = { event: new Set(), item: new Set() };
      (function walk(x) {
        if (Array.isArray(x)) return x.forEach(walk);
        if (x === null || typeof x !== 'object') return;
        if (x.kind === 'path' && typeof x.path === 'string') {
          const root = x.root === 'item' ? 'item' : 'event';
          mine[root].add(x.path);
          paths[root].add(x.path);
        }
        for (const v of Object.values(x)) walk(v);
      })(ops);
      const handler = { event: [...mine.event], item: [...mine.item] };
      handler.extract = compileExtractor(handler.event);
      handler.extractItem = compileExtractor(handler.item);
      handlersByType.set(type, [...(handlersByType.get(type) ?? []), handler]);
    }
  }
  const eventPaths = [...paths.event].sort();
  const itemPaths = [...paths.item].sort();
  const SAMPLE = Math.min(stream.length, 50_000);
  // { document, its paths, the engine's way to read them } for each handler of each event, and
  // for each item of the array a handler iterates.
  const work = [];
  let events = 0;
  let items = 0;
  for (const m of stream.slice(0, SAMPLE)) {
    if (m.bad) continue;
    let v;
    try {
      v = JSON.parse(m.value.toString('utf8'));
    } catch { continue; /* a bad message */ }
    if (v === null || typeof v !== 'object' || Array.isArray(v)) continue;
    const handlers = handlersByType.get(v.event_type);
    if (handlers === undefined) continue;
    events++;
    for (const h of handlers) {
      if (h.event.length > 0) work.push({ doc: v, paths: h.event, extract: h.extract });
      if (h.item.length > 0 && Array.isArray(v?.data?.items)) {
        for (const it of v.data.items) {
          work.push({ doc: it, paths: h.item, extract: h.extractItem });
          items++;
        }
      }
    }
  }
  const opsPerPass = work.reduce((n, w) => n + w.paths.length, 0);
  progress(`(d) extraction: ${eventPaths.length} event paths, ${itemPaths.length} item paths; ${fmt(events)} events and ${fmt(items)} items with their handlers' paths = ${fmt(opsPerPass)} ops a pass`);

  const slow = [...eventPaths, ...itemPaths].filter((p) => !compilePath(p).fast).length;

  // Differential check on one pass: the engine's values vs jsonpath-plus's single match, path by path.
  let mismatches = 0;
  const same = (v, r) => (v === undefined ? Array.isArray(r) && r.length === 0 : Array.isArray(r) && r.length === 1 && r[0] === v);
  for (const { doc, paths: ps } of work.slice(0, 5000)) {
    const values = compileExtractor(ps)(doc);
    ps.forEach((p, i) => { if (!same(values[i], JSONPath({ path: p, json: doc, eval: false, wrap: true }))) mismatches++; });
  }

  // Hot: one batch's worth of documents, evaluated over and over, as the engine meets them (each
  // event is evaluated right after it is decoded, in cache). Cold: all the sampled documents in
  // turn (about 100 MB of objects), so memory latency weighs on both sides alike.
  const HOT = 1000;
  const hot = rates(work.slice(0, HOT));
  const cold = rates(work);
  const out = {
    event_paths: eventPaths.length, item_paths: itemPaths.length, fallback_paths: slow, values: events, items, hot_documents: Math.min(HOT, work.length),
    compiled_ops_per_s: hot.compiled, jsonpath_plus_ops_per_s: hot.jsonpath, speedup: hot.compiled / hot.jsonpath,
    cold_compiled_ops_per_s: cold.compiled, cold_jsonpath_plus_ops_per_s: cold.jsonpath, cold_speedup: cold.compiled / cold.jsonpath,
    mismatches_in_5000_values: mismatches, checksum: (hot.sink + cold.sink) % 1000,
  };
  const compiledOps = out.compiled_ops_per_s;
  const jpOps = out.jsonpath_plus_ops_per_s;
  progress(`(d) extraction: compiled ${fmt(compiledOps)} ops/s, jsonpath-plus ${fmt(jpOps)} ops/s (×${out.speedup.toFixed(1)}) hot; ×${out.cold_speedup.toFixed(1)} cold; ${mismatches} mismatches`);
  return out;
}

/** ops/s of the compiled getters (2 s) and of jsonpath-plus (3 s) over the same documents and paths. */
function rates(work) {
  const opsPerPass = work.reduce((n, w) => n + w.paths.length, 0);
  let sink = 0;
  const passCompiled = () => {
    for (let k = 0; k < work.length; k++) {
      const w = work[k];
      const values = w.extract(w.doc);
      for (let i = 0; i < values.length; i++) if (values[i] !== undefined) sink++;
    }
  };
  passCompiled(); // warm-up
  let ops = 0;
  let t0 = performance.now();
  while (performance.now() - t0 < 2000) {
    passCompiled();
    ops += opsPerPass;
  }
  const compiled = ops / ((performance.now() - t0) / 1000);
  ops = 0;
  t0 = performance.now();
  outer: for (;;) {
    for (const { doc, paths: ps } of work) {
      for (const p of ps) if (JSONPath({ path: p, json: doc, eval: false, wrap: true }).length > 0) sink++;
      ops += ps.length;
      if ((ops & 1023) < ps.length && performance.now() - t0 > 3000) break outer;
    }
    if (performance.now() - t0 > 3000) break;
  }
  return { compiled, jsonpath: ops / ((performance.now() - t0) / 1000), sink };
}

// ---------------------------------------------------------------------------------------------
// Report

/** Machine-wide CPU jiffies (all cores) from /proc/stat. */
function machineCpu() {
  try {
    const f = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    return { total: f.reduce((a, b) => a + b, 0), idle: (f[3] ?? 0) + (f[4] ?? 0) };
  } catch {
    return undefined;
  }
}

function machineFacts() {
  const cpus = os.cpus();
  let commit;
  let dirty;
  try {
    commit = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8', timeout: 5000 }).stdout.trim() || undefined;
    dirty = spawnSync('git', ['status', '--porcelain', '--', 'src'], { cwd: ROOT, encoding: 'utf8', timeout: 5000 }).stdout.trim() !== '';
  } catch { /* no git */ }
  return {
    cores: cpus.length, cpu: cpus[0]?.model, memory_gb: Math.round(os.totalmem() / 1073741824), node: process.version,
    platform: `${os.platform()} ${os.release()}`, git_commit: commit, src_uncommitted_changes: dirty, load_avg_at_start: os.loadavg(),
  };
}

function finish() {
  const { a, b, c, d } = results;
  if (a?.group_events_per_s_steady && b?.group_events_per_s_steady) results.ratios.a_over_b_events_per_s_steady = a.group_events_per_s_steady / b.group_events_per_s_steady;
  if (a?.group_events_per_s_wall && b?.group_events_per_s_wall) results.ratios.a_over_b_events_per_s_wall = a.group_events_per_s_wall / b.group_events_per_s_wall;
  if (a?.rows_per_s_steady && c?.rows_per_s) results.ratios.a_rows_share_of_c_steady = a.rows_per_s_steady / c.rows_per_s;
  if (a?.rows_per_s_wall && c?.rows_per_s) results.ratios.a_rows_share_of_c_wall = a.rows_per_s_wall / c.rows_per_s;
  if (d) results.ratios.compiled_over_jsonpath_plus = d.speedup;
  results.finished_at = new Date().toISOString();
  results.total_s = (performance.now() - started) / 1000;

  const m = results.machine;
  const s = results.stream;
  const L = [];
  L.push('');
  L.push(`sc-project bench — ${results.command}`);
  L.push(`machine: ${m.cores} cores (${m.cpu}), ${m.memory_gb} GB, node ${m.node}, ${m.database?.server ?? 'MariaDB'} ${m.database?.version ?? '?'} (${m.database?.server === 'PostgreSQL' ? `synchronous_commit=${m.database?.synchronous_commit ?? '?'}` : `flush_log_at_trx_commit=${m.database?.innodb_flush_log_at_trx_commit ?? '?'}`}), commit ${m.git_commit ?? '?'}${m.src_uncommitted_changes ? ' + uncommitted src changes' : ''}, load avg at start ${m.load_avg_at_start.map((x) => x.toFixed(2)).join(' ')}`);
  if (s) L.push(`stream: N = ${fmt(s.messages)} messages (seed ${s.seed}): ${fmt(s.events)} events, ${fmt(s.duplicates)} duplicates, ${fmt(s.bad)} bad, ${fmt(s.orphans)} orphans; ${fmt(s.value_bytes / 1048576, 1)} MB; 12 topics × ${s.partitions} partitions; published once in ${s.publish_s?.toFixed(1) ?? '?'} s`);
  L.push('');
  const head = ['', 'messages', 'group-events', 'wall s', 'startup s', 'ev/s wall', 'ev/s steady', 'rows', 'rows/s wall', 'rows/s steady', 'commit p50/p99 ms', 'peak RSS MB'];
  const rowsOut = [];
  const lat = (r) => {
    if (!r?.groups) return '–';
    const gs = Object.values(r.groups);
    const p50 = Math.max(...gs.map((g) => g.commit_p50_ms ?? 0));
    const p99 = Math.max(...gs.map((g) => g.commit_p99_ms ?? 0));
    return `${p50} / ${p99}`;
  };
  if (a) rowsOut.push([`(a) run, batched${a.run_args?.length ? ` ${a.run_args.join(' ')}` : ''}`, fmt(a.messages), fmt(a.group_events), a.wall_s.toFixed(1) + (a.drained ? '' : ' TIMEOUT'), a.startup_s?.toFixed(1) ?? '–', fmt(a.group_events_per_s_wall), fmt(a.group_events_per_s_steady), fmt(a.rows), fmt(a.rows_per_s_wall), fmt(a.rows_per_s_steady), lat(a), fmt(a.peak_rss_mb)]);
  if (b) rowsOut.push([`(b) one message a transaction, first ${fmt(b.messages)} msgs`, fmt(b.messages), fmt(b.group_events), b.wall_s.toFixed(1) + (b.drained ? '' : ' TIMEOUT'), b.startup_s?.toFixed(1) ?? '–', fmt(b.group_events_per_s_wall), fmt(b.group_events_per_s_steady), fmt(b.rows), fmt(b.rows_per_s_wall), fmt(b.rows_per_s_steady), lat(b), fmt(b.peak_rss_mb)]);
  if (c) rowsOut.push([`(c) ceiling (${c.how ?? 'plain INSERT'})`, '–', '–', c.seconds.toFixed(2), '–', '–', '–', fmt(c.rows), fmt(c.rows_per_s), fmt(c.rows_per_s), '–', '–']);
  if (rowsOut.length > 0) L.push(...table([head, ...rowsOut]));
  for (const [label, x] of [['(a)', a], ['(b)', b]]) {
    if (!x?.cpu) continue;
    const c1 = x.cpu;
    const pct = (v) => (v === undefined ? '–' : `${v.toFixed(1)} s (${((100 * v) / x.wall_s).toFixed(0)} % of a core)`);
    L.push(`${label} CPU from spawn to drained (${x.wall_s.toFixed(1)} s, ${m.cores} cores): engine ${pct(c1.engine_s)}, ${dbServer.name} ${pct(c1.database_s)}, Kafka ${pct(c1.kafka_s)}; machine busy ${c1.machine_busy_share === undefined ? '–' : (100 * c1.machine_busy_share).toFixed(0) + ' %'}`);
  }
  if (d) {
    L.push('');
    L.push(`(d) extraction: ${d.event_paths} event paths + ${d.item_paths} item paths (${d.fallback_paths} through jsonpath-plus in the engine) over ${fmt(d.values)} events / ${fmt(d.items)} items, each with the paths of its type's handlers:`);
    L.push(`    hot (${fmt(d.hot_documents)} documents, one batch, in cache): compiled accessors ${fmt(d.compiled_ops_per_s)} ops/s   jsonpath-plus ${fmt(d.jsonpath_plus_ops_per_s)} ops/s   ×${d.speedup.toFixed(1)}`);
    L.push(`    cold (all of them in turn, memory-bound): compiled accessors ${fmt(d.cold_compiled_ops_per_s)} ops/s   jsonpath-plus ${fmt(d.cold_jsonpath_plus_ops_per_s)} ops/s   ×${d.cold_speedup.toFixed(1)}`);
    L.push(`    ${d.mismatches_in_5000_values} mismatches in a differential pass`);
  }
  const r = results.ratios;
  if (Object.keys(r).length > 0) {
    L.push('');
    L.push('ratios:');
  }
  if (r.a_over_b_events_per_s_steady) L.push(`  (a) vs (b) events/s: ×${r.a_over_b_events_per_s_steady.toFixed(1)} steady (×${r.a_over_b_events_per_s_wall?.toFixed(1) ?? '–'} wall, start-up included)`);
  if (r.a_rows_share_of_c_steady) L.push(`  (a) rows/s as a share of (c): ${(r.a_rows_share_of_c_steady * 100).toFixed(1)} % steady (${((r.a_rows_share_of_c_wall ?? 0) * 100).toFixed(1)} % wall)`);
  if (r.compiled_over_jsonpath_plus) L.push(`  compiled vs jsonpath-plus: ×${r.compiled_over_jsonpath_plus.toFixed(1)} hot (×${d.cold_speedup.toFixed(1)} cold)`);
  for (const [label, x] of [['(a)', a], ['(b)', b]]) {
    if (!x?.groups) continue;
    L.push('');
    L.push(`${label} per group:`);
    const gh = ['group', 'events', 'applied', 'dup', 'dead', 'batches', 'events/batch', 'statements', 'stmts/batch', 'stmts/applied', 'p50 ms', 'p99 ms'];
    const gr = Object.entries(x.groups).map(([g, v]) => [g, fmt(v.events), fmt(v.applied), fmt(v.duplicates), fmt(v.dead_lettered), fmt(v.batches), fmt(v.events_per_batch, 1), fmt(v.statements), fmt(v.statements_per_batch, 1), fmt(v.statements_per_applied_event, 2), fmt(v.commit_p50_ms), fmt(v.commit_p99_ms)]);
    L.push(...table([gh, ...gr]));
  }
  if (a?.cpu_profile?.top) {
    L.push('');
    L.push(`(a) CPU profile of the child (${a.cpu_profile.file}), top functions by self time:`);
    L.push(...table([['self %', 'self ms', 'function', 'where'], ...a.cpu_profile.top.slice(0, 20).map((f) => [f.self_pct.toFixed(1), fmt(f.self_ms), f.name, f.where])]));
  }
  if (results.m) {
    const x = results.m;
    L.push('');
    L.push(`(m) the metrics' cost: ${x.pairs} pair(s) of runs of the whole stream, without and with --http (scraped every 2 s), ${x.parallel ? 'each pair at the same time' : 'alternating'}; medians:`);
    L.push(`    events/s steady: without ${fmt(x.without_events_per_s_steady)}, with ${fmt(x.with_events_per_s_steady)}: cost ${x.throughput_cost_pct === undefined ? '–' : x.throughput_cost_pct.toFixed(1) + ' %'}`);
    L.push(`    engine CPU s to drain: without ${fmt(x.without_engine_cpu_s, 1)}, with ${fmt(x.with_engine_cpu_s, 1)}: cost ${x.engine_cpu_cost_pct === undefined ? '–' : x.engine_cpu_cost_pct.toFixed(1) + ' %'}`);
    L.push(`    runs (ev/s steady): without ${x.runs.without.map((r) => fmt(r.events_per_s_steady)).join(', ')}; with ${x.runs.with.map((r) => `${fmt(r.events_per_s_steady)} (${r.scrapes} scrapes)`).join(', ')}`);
  }
  if (results.flat) L.push(...flatReport(results.flat));
  L.push(...targetsReport());
  if (results.errors.length > 0) {
    L.push('');
    L.push(`ERRORS: ${results.errors.join('\n')}`);
  }
  L.push('');
  L.push(`total bench time ${results.total_s.toFixed(0)} s`);
  const dir = path.join(ROOT, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${results.started_at.replace(/:/g, '-')}.json`);
  writeFileSync(file, JSON.stringify(results, null, 2) + '\n');
  L.push(`results: ${path.relative(ROOT, file)}`);
  process.stdout.write(L.join('\n') + '\n');
  process.exit(interrupted ? 130 : results.errors.length > 0 ? 1 : 0);
}

function flatReport(f) {
  const L = [''];
  const w = f.a?.median ?? f.e?.median ?? f.v?.median;
  L.push(`flat upsert: ${fmt(f.records)} records of 8 columns (id, 3 strings, 2 ints, a decimal, a timestamp), ${fmt(f.updates_share * 100, 1)} % of them updates of an earlier id → ${fmt(w?.rows)} rows, one topic × ${f.partitions} partitions, one insert … on_conflict: update; ${f.rounds > 1 ? `medians of ${f.rounds} interleaved rounds` : '1 round (--rounds 3 for medians)'}:`);
  const pct = (x) => (x === undefined ? '–' : `${(100 * x).toFixed(1)} %`);
  const times = (x) => (x === undefined ? '–' : `×${x.toFixed(2)}`);
  const head = ['', 'rows', 'wall s', 'startup s', 'rows/s wall', 'rows/s steady', 'engine µs/msg', 'steady µs/msg', 'engine CPU s', `${dbServer.name} CPU s`, 'Kafka CPU s', 'CPU s/10k rows', 'peak RSS MB', '% of (c) steady', '× JDBC wall', '× JDBC steady', 'load 1m'];
  const rows = [];
  for (const [label, x] of [['(a) default route, id: none (no processed ids)', f.a], ['(e) event type + id (processed-ids row each)', f.e], ['(v) (a) with Avro values (registry wire format)', f.v]]) {
    if (!x) continue;
    const m = x.median;
    rows.push([label, fmt(m.rows), m.wall_s.toFixed(1) + (m.drained ? '' : ' TIMEOUT'), m.startup_s?.toFixed(1) ?? '–', fmt(m.rows_per_s_wall), fmt(m.rows_per_s_steady), fmt(m.engine_us_per_msg, 1), fmt(m.engine_us_per_msg_steady, 1), fmt(m.engine_cpu_s, 1), fmt(m.database_cpu_s, 1), fmt(m.kafka_cpu_s, 1), fmt(m.cpu_s_per_10k_rows, 2), fmt(m.peak_rss_mb), pct(m.share_of_ceiling_steady), times(m.times_jdbc_wall), times(m.times_jdbc_steady), fmt(m.load_avg_1m_before, 2)]);
  }
  if (f.ceiling) rows.push([`(c) ceiling (${f.ceiling.runs[0]?.how ?? 'plain INSERT'}), same final rows`, fmt(f.ceiling.runs[0]?.rows), '–', '–', fmt(f.ceiling.rows_per_s), fmt(f.ceiling.rows_per_s), '–', '–', '–', '–', '–', '–', '–', '100 %', times(f.ceiling.rows_per_s / JDBC_REFERENCE.rows_per_s_wall), times(f.ceiling.rows_per_s / JDBC_REFERENCE.rows_per_s_steady), '–']);
  const j = f.jdbc_reference;
  rows.push(['reference: tuned Kafka Connect JDBC sink (constant)', '–', '–', '–', fmt(j.rows_per_s_wall), fmt(j.rows_per_s_steady), '–', '–', '–', '–', '–', fmt(j.cpu_s_per_10k_rows, 2), fmt(j.peak_rss_mb), '–', '×1.00', '×1.00', '–']);
  L.push(...table([head, ...rows]));
  L.push(`  reference: ${j.source}; not measured by this script`);
  if (f.a && f.v) {
    const x = f.a.median;
    const y = f.v.median;
    L.push(`  Avro values vs JSON, (v) vs (a): rows/s steady ${fmt(100 * (y.rows_per_s_steady / x.rows_per_s_steady - 1), 1)} %, engine µs/msg ${fmt(y.engine_us_per_msg, 1)} vs ${fmt(x.engine_us_per_msg, 1)} (steady ${fmt(y.engine_us_per_msg_steady, 1)} vs ${fmt(x.engine_us_per_msg_steady, 1)}); issue 22's target: Avro no more CPU per message than JSON`);
  }
  if (f.a && f.e) {
    const x = f.a.median;
    const y = f.e.median;
    L.push(`  cost of the processed-ids row, (e) vs (a): rows/s steady ${fmt(100 * (y.rows_per_s_steady / x.rows_per_s_steady - 1), 1)} %, engine µs/msg ${y.engine_us_per_msg >= x.engine_us_per_msg ? '+' : ''}${fmt(y.engine_us_per_msg - x.engine_us_per_msg, 1)}, ${dbServer.name} CPU s ${y.database_cpu_s >= x.database_cpu_s ? '+' : ''}${fmt(y.database_cpu_s - x.database_cpu_s, 1)}`);
  }
  for (const [label, x] of [['(a)', f.a], ['(e)', f.e], ['(v)', f.v]]) {
    const st = x?.runs[0]?.startup_steps_s;
    if (st === undefined) continue;
    const at = (v) => (v === undefined ? '?' : `${v.toFixed(1)} s`);
    L.push(`  ${label} start-up (round 1, from spawn): started (modules loaded, spec compiled) ${at(st.process_up)}, schema ready and DLQ producer connected ${at(st.tables_ready)}, partitions assigned ${at(st.partitions_assigned)}, first commit ${at(st.first_commit)}`);
  }
  for (const [label, x] of [['(a)', f.a], ['(e)', f.e], ['(v)', f.v]]) {
    if (!x || x.runs.length < 2) continue;
    L.push(`  ${label} rounds: ${x.runs.map((r) => `${fmt(r.rows_per_s_steady)} rows/s steady, ${fmt(r.engine_us_per_msg, 1)} µs/msg, load ${fmt(r.load_avg_1m_before, 2)}`).join('; ')}`);
  }
  for (const [label, x] of [['(a)', f.a], ['(e)', f.e], ['(v)', f.v]]) {
    const p = x?.runs[0]?.cpu_profile;
    if (!p?.top) continue;
    L.push('');
    L.push(`flat ${label} CPU profile (${p.file}), top functions by self time:`);
    L.push(...table([['self %', 'self ms', 'function', 'where'], ...p.top.slice(0, 20).map((q) => [q.self_pct.toFixed(1), fmt(q.self_ms), q.name, q.where])]));
  }
  return L;
}

/** Issue 13's targets against this run's figures, whichever of them it measured. */
function targetsReport() {
  const out = [];
  const line = (what, want, got, ok) => out.push(`  ${ok === undefined ? '    ' : ok ? 'met ' : 'NOT '} ${what}: want ${want}, got ${got}`);
  const { a, flat } = results;
  const fa = flat?.a?.median;
  if (fa) {
    const wantRate = FLAT_TARGET.times_jdbc * JDBC_REFERENCE.rows_per_s_wall;
    line('flat (a) rows/s wall', `≥ ${fmt(wantRate)} (${FLAT_TARGET.times_jdbc} × ${fmt(JDBC_REFERENCE.rows_per_s_wall)}, the tuned JDBC sink)`, `${fmt(fa.rows_per_s_wall)} (×${fa.times_jdbc_wall.toFixed(2)})`, fa.rows_per_s_wall >= wantRate);
    line('flat (a) engine CPU per message', `≤ ${FLAT_TARGET.engine_us_per_msg} µs`, `${fmt(fa.engine_us_per_msg, 1)} µs (steady ${fmt(fa.engine_us_per_msg_steady, 1)})`, fa.engine_us_per_msg <= FLAT_TARGET.engine_us_per_msg);
  }
  const share = results.ratios.a_rows_share_of_c_steady;
  if (share !== undefined) line('Social Commerce (a) as a share of (c), steady', '≥ 50 %', `${(100 * share).toFixed(1)} %`, share >= 0.5);
  const ab = results.ratios.a_over_b_events_per_s_steady;
  if (ab !== undefined) line('Social Commerce (a)/(b) events/s steady', '≥ ×15', `×${ab.toFixed(1)}`, ab >= 15);
  const rss = [['Social Commerce (a)', a, a?.messages], ['flat (a)', fa, fa?.messages], ['flat (e)', flat?.e?.median, flat?.e?.median?.messages]].filter(([, x]) => x?.peak_rss_mb !== undefined);
  for (const [label, x, n] of rss) line(`${label} peak RSS with ${fmt(n)} messages of lag`, '< 300 MB at 1,000,000 (--count 1000000)', `${fmt(x.peak_rss_mb)} MB`, n >= 1_000_000 ? x.peak_rss_mb < 300 : x.peak_rss_mb < 300 ? undefined : false);
  if (out.length === 0) return [];
  return ['', `targets (issue 13), load avg at start ${results.machine.load_avg_at_start.map((x) => x.toFixed(2)).join(' ')}:`, ...out];
}

function table(rows) {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => String(r[i] ?? '').length)));
  return rows.map((r, ri) => {
    const line = r.map((c, i) => (i === 0 ? String(c).padEnd(widths[i]) : String(c).padStart(widths[i]))).join('  ');
    return ri === 0 ? `${line}\n${widths.map((w) => '-'.repeat(w)).join('  ')}` : line;
  });
}
