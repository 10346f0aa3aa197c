/**
 * The engine as a library: `createRuntime(options)` → `start()` / `stop()`. The CLI's `run` uses
 * exactly this. A runtime validates the specs, creates missing tables, and then drives every
 * consumer group from Kafka or, in the embedded default, from an NDJSON file.
 */
import { accessSync, constants as fsConstants, statSync } from 'node:fs';
import { Partitioners, type Admin } from 'kafkajs';
import type { Plan } from '../compile/plan.js';
import { formatDiagnostics } from '../diagnostics.js';
import { parseDatabaseUrl } from '../sql/connection.js';
import { validatePaths } from '../validate/index.js';
import { TABLE_DEAD_LETTERS, type DeadLetterSink } from './outputs/dead-letters/index.js';
import { DEFAULT_CONCURRENCY, startGroupConsumer, type GroupConsumerHandle } from './sources/kafka/consumer.js';
import { ensureDeadLetterTopics, ensureTopics, kafkaClient, kafkaDeadLetters, missingTopics } from './sources/kafka/client.js';
import { createLogger, type Logger, type LogFormat } from './ops/log.js';
import { prepareSchema } from './lifecycle/schema.js';
import { fingerprintMap, readSpecWatch, SpecChangedError } from './lifecycle/spec-watch.js';
import { fingerprintOf, projectionShape } from '../compile/fingerprint.js';
import { countInput, SourceMismatchError, type Fingerprint } from './sources/ndjson/reader.js';
import { ndjsonSource } from './sources/ndjson/source.js';
import { applier, drive, notYetApplied } from './drive.js';
import { describeInput, expectedPrefix, mismatchMessage, positionsGroup, recordIn, refuseFileRecord, SourceRefusedError, sourceNameProblem, storedSource } from './sources/ndjson/record.js';
import type { StartFrom } from './sources/kafka/placement.js';
import { liveness, readiness, type HealthReport, type HealthState } from './ops/health.js';
import { startOpsServer, type OpsServer } from './ops/http-server.js';
import { computeLag, partitionEnds, partitionKey, storedMap } from './ops/lag.js';
import { EngineMetrics, type PartitionLag } from './ops/metrics.js';
import { createProgress } from './ops/progress.js';
import { VERSION } from './version.js';
import { StopRequestedError, StopSignal } from './stop-signal.js';
import { pruneProcessed } from './ops/retention.js';
import { assembleGroup, watchOf, type Group } from './engine.js';
import { openSink } from './sinks/open.js';
import type { Sink } from './sinks/sink.js';
import { describeCounts, newStats, noopBreakdown, percentile, type GroupStats } from './ops/stats.js';
import type { TestHooks } from './test-hooks.js';
import { fetchTransport, systemClock, type Clock, type OutputStats, type Transport } from './outputs/http/index.js';

export interface RuntimeOptions {
  /** Spec files or folders (or give `plan`). */
  config?: string | string[];
  plan?: Plan;
  databaseUrl: string;
  /** Kafka brokers; not needed with `from`. */
  brokers?: string[];
  /**
   * Read messages from NDJSON files instead of Kafka (`-`: standard input), one after another as one
   * stream; the run ends when the last does. The stored positions must come from this stream's
   * first lines, or the run is refused (sources/ndjson/record.ts).
   */
  from?: string | string[];
  /** A file run's named source: positions of its own (`group@NAME`), apart from the default source's. */
  source?: string;
  /** A file line longer than this is a dead letter with its first bytes (default 16 MiB). */
  maxLineBytes?: number;
  /** What `-` reads (default process.stdin; tests give a stream). */
  stdin?: NodeJS.ReadableStream;
  clientId?: string;
  /** Kafka session timeout: how long a crashed member holds its partitions (default 30 s). */
  sessionTimeoutMs?: number;
  /** Partitions of one group processed at once, each in its own transaction (default 2). */
  concurrency?: number;
  logFormat?: LogFormat;
  logger?: Logger;
  /** Seconds between stats lines (0: none). */
  statsInterval?: number;
  /** Messages per transaction at most (1: one transaction per message). */
  maxBatch?: number;
  /** Messages read from a file per batch. */
  fileBatch?: number;
  /** Processed event ids older than this are pruned (ms; 0: never). */
  retentionMs?: number;
  /** How often to prune processed event ids (default 60 s; the first prune runs at start). */
  pruneIntervalMs?: number;
  /** Create missing source topics (DLQ topics are always created). */
  createTopics?: boolean;
  /** Create missing tables before consuming (default true). */
  createTables?: boolean;
  /** Show the progress of a file run (a bar on a terminal, plain lines otherwise; default false). */
  progress?: boolean;
  /** Serve /metrics, /healthz and /readyz here (port 0: any free port). Off when not given. */
  http?: { host: string; port: number };
  /** Collect Prometheus metrics even without `http` (an embedder scrapes `runtime.metrics`). */
  metrics?: boolean;
  /** How often lag and database reachability are refreshed (default 5 s). */
  monitorIntervalMs?: number;
  /** How long the database may fail before /readyz reports not ready (default 15 s). */
  outageThresholdMs?: number;
  /** Where a partition with no stored position starts (default earliest; Kafka's committed offsets are never used). */
  startFrom?: StartFrom;
  /** Continue past messages retention deleted before they were applied (else the group stops). */
  acceptHistoryGap?: boolean;
  /** How HTTP outputs send (default: Node's fetch) and their clock; tests inject both. */
  httpTransport?: Transport;
  clock?: Clock;
  /** Run the safe migrations (add columns and indexes, widen) before consuming. */
  migrate?: boolean;
  /** Record the specs' fingerprints where a rebuild is advised (keep the tables as they are). */
  acceptSpec?: boolean;
  /** MariaDB: how long a transaction waits for its partition lock while a rebuild swaps (default 5 s, then it retries). */
  lockTimeoutS?: number;
  /** Test-only crash points (default: none; the CLI builds them from SC_TEST_* variables). */
  testHooks?: TestHooks;
}

export interface RunSummary {
  groups: Record<string, GroupStats>;
  /** HTTP outputs' counters, by output name (when there are any). */
  outputs?: Record<string, OutputStats>;
  rows?: Record<string, number>;
}

export interface Runtime {
  readonly plan: Plan;
  start(): Promise<void>;
  /** Resolves when a file run has drained; with Kafka, when stop() has finished. */
  readonly done: Promise<RunSummary>;
  stop(): Promise<void>;
  stats(): Record<string, GroupStats>;
  /** Lag per group, topic and partition as of the last monitor turn (Kafka runs only). */
  lag(): PartitionLag[];
  health(): HealthReport;
  ready(): HealthReport;
  /** The metrics registry (with `http` or `metrics`). */
  readonly metrics: EngineMetrics | undefined;
  /** Where /metrics is served, once started with `http`. */
  httpAddress(): { host: string; port: number } | undefined;
}

export class ConfigError extends Error {}

interface GroupRun extends Group {
  kafka?: GroupConsumerHandle;
  /** stats.events at the last stats line (for events_per_s). */
  lastEvents: number;
  /** The consumer is in the group (false while rebalancing, after a crash, before the join). */
  joined: boolean;
  /** From the monitor's last turn. */
  lag: PartitionLag[];
  /** A reload in progress (several partitions' transactions may notice the same swap). */
  reloading?: Promise<void>;
}

export async function createRuntime(o: RuntimeOptions): Promise<Runtime> {
  const log = o.logger ?? createLogger(o.logFormat ?? 'text');
  const plan = o.plan ?? planOf(o.config ?? 'projections');
  // A malformed URL fails here, before any other check or connection.
  parseDatabaseUrl(o.databaseUrl);
  const fromPaths = o.from === undefined ? undefined : Array.isArray(o.from) ? o.from : [o.from];
  if (fromPaths !== undefined && fromPaths.length === 0) throw new ConfigError('--from: no file given');
  if (o.from === undefined && (o.brokers === undefined || o.brokers.length === 0)) throw new ConfigError('no Kafka brokers: give --brokers or KAFKA_BROKERS, or read a file with --from');
  if (o.source !== undefined && o.from === undefined) throw new ConfigError('--source names a file run\'s input: give --from too');
  const sourceProblem = o.source === undefined ? undefined : sourceNameProblem(o.source);
  if (sourceProblem !== undefined) throw new ConfigError(sourceProblem);
  let sink: Sink | undefined;
  let stopping = false;
  // stop() during start-up: every step that may block (the broker unreachable, a join that waits
  // out a killed member's session) races this, so a stop never waits for them.
  const stopSignal = new StopSignal();
  const abort = new AbortController();
  let starting: Promise<void> | undefined;
  let stopped: Promise<void> | undefined;
  let fileRun = false;
  const untilStop = <T>(step: string, p: Promise<T>): Promise<T> => stopSignal.race(step, p);
  let fatal: unknown;
  let finish!: (s: RunSummary) => void;
  let fail!: (e: unknown) => void;
  const done = new Promise<RunSummary>((res, rej) => { finish = res; fail = rej; });
  // A caller that only awaits start() (which throws too) must not crash on an unobserved rejection.
  done.catch(() => undefined);
  const groups: GroupRun[] = [];
  const timers: NodeJS.Timeout[] = [];
  const kafka = o.from === undefined ? kafkaClient({ brokers: o.brokers ?? [], clientId: o.clientId ?? 'sc-project', log }) : undefined;
  // The default partitioner named explicitly: kafkajs warns at every start otherwise. Dead letters
  // keep their original key, so they land by the same murmur2 hash as Java clients use.
  // Not idempotent: kafkajs' idempotent producer retries forever, and a send that never fails
  // could not be retried with backoff nor interrupted by stop(). Dead letters are at least once
  // (a crash between the send and the commit sends them again), and carry their source offset.
  const producer = kafka?.producer({ maxInFlightRequests: 1, createPartitioner: Partitioners.DefaultPartitioner });

  const metrics = o.http !== undefined || o.metrics === true ? new EngineMetrics() : undefined;
  const monitorIntervalMs = o.monitorIntervalMs ?? 5000;
  let started = false;
  let pingFailedSince: number | undefined;
  let lastTick: number | undefined;
  let ops: OpsServer | undefined;
  let retryingSince: number | undefined;
  /** Failing since: the monitor's query failed, or a processor retries and has not committed since. */
  const databaseDownSince = (): number | undefined => {
    if (metrics?.retrying() === true) retryingSince ??= Date.now();
    else retryingSince = undefined;
    return pingFailedSince ?? retryingSince;
  };
  const healthState = (): HealthState => ({
    now: Date.now(), started, stopping, fatal: fatal === undefined ? undefined : fatal instanceof Error ? fatal.message : String(fatal),
    groups: o.from === undefined ? groups.map((g) => ({ group: g.routes.group, joined: g.joined })) : [],
    databaseDownSince: databaseDownSince(), lastTick, tickIntervalMs: monitorIntervalMs, outageThresholdMs: o.outageThresholdMs ?? 15_000,
  });
  metrics?.bind({
    groups: () => groups.map((g) => ({ group: g.routes.group, stats: g.stats })),
    lag: () => groups.flatMap((g) => g.lag),
    databaseDownSince,
    ready: () => readiness(healthState()).ok,
    outputs: () => Object.assign({}, ...groups.map((g) => g.outputs?.stats() ?? {})) as Record<string, OutputStats>,
  });

  const summary = (): RunSummary => {
    const s: RunSummary = { groups: Object.fromEntries(groups.map((g) => [g.routes.group, g.stats])) };
    const outputs = Object.assign({}, ...groups.map((g) => g.outputs?.stats() ?? {})) as NonNullable<RunSummary['outputs']>;
    if (Object.keys(outputs).length > 0) s.outputs = outputs;
    return s;
  };

  const runtime: Runtime = {
    plan,
    done,
    stats: () => summary().groups,
    lag: () => groups.flatMap((g) => g.lag),
    health: () => liveness(healthState()),
    ready: () => readiness(healthState()),
    metrics,
    httpAddress: () => (ops === undefined ? undefined : { host: ops.host, port: ops.port }),
    async start() {
      starting = startUp();
      try {
        await starting;
      } catch (e) {
        // Asked to stop during start-up: not a failure; stop() closes everything and ends `done`.
        if (stopSignal.requested && (e instanceof StopRequestedError || fatal === undefined)) {
          log.info('stopped during start-up', { step: e instanceof Error ? e.message : String(e) });
          return;
        }
        // A failed start must leave nothing open: a connected producer, a pool or the stats timer
        // kept the process alive after `run` had printed the error, so it never exited.
        stopping = true;
        await Promise.allSettled(groups.map((g) => g.kafka?.stop()));
        await Promise.allSettled(groups.map((g) => g.outputs?.stop()));
        await closeAll();
        fail(e);
        throw e;
      }
    },
    async stop() {
      if (stopping) return stopped;
      stopping = true;
      stopSignal.request();
      abort.abort();
      stopped = (async () => {
        // Start-up ends promptly once asked to stop (its blocking steps race the request); only
        // then are the consumers it started known, and nothing but this closes the pool.
        if (starting !== undefined) await starting.catch(() => undefined);
        // A reload after a swap may be starting a group's new consumer: let it end first.
        await Promise.allSettled(groups.map((g) => g.reloading));
        await Promise.allSettled(groups.map((g) => g.kafka?.stop()));
        // After the consumers: no batch adds records any more. A send in flight is abandoned; its
        // batch stays pending and is resent first, byte-identical, by the next run.
        await Promise.allSettled(groups.map((g) => g.outputs?.stop()));
        // A file run that started ends `done` itself, once its reading loop sees the stop.
        if (o.from === undefined || !fileRun) {
          await closeAll();
          if (fatal !== undefined) fail(fatal);
          else finish(summary());
        }
      })();
      return stopped;
    },
  };

  async function startUp(): Promise<void> {
    // Start-up checks come before any side effect: a --from file that cannot be read must not
    // leave a new SQLite file with its tables (or an ops server) behind.
    for (const p of fromPaths ?? []) if (p !== '-') checkReadableFile(p);
    log.info('sc-project starting', { version: VERSION, node: process.versions.node, source: fromPaths === undefined ? 'kafka' : describeInput(fromPaths), ...(o.source !== undefined ? { source_name: o.source } : {}), groups: plan.groups.map((g) => g.group).join(',') });
    if (o.http !== undefined) {
      ops = await startOpsServer(o.http, { metrics: () => metrics?.scrape() ?? Promise.reject(new Error('no metrics')), health: () => runtime.health(), ready: () => runtime.ready() });
      log.info('serving /metrics, /healthz and /readyz', { address: `http://${ops.host.includes(':') ? `[${ops.host}]` : ops.host}:${ops.port}` });
    }
    if (o.createTables !== false) await untilStop('preparing the schema', prepareSchema(o.databaseUrl, plan, log, { migrate: o.migrate === true, acceptSpec: o.acceptSpec === true, advice: { from: o.from, source: o.source, config: o.config, databaseUrl: o.databaseUrl } }));
    if (stopSignal.requested) throw new StopRequestedError('starting');
    sink = await openSink(o.databaseUrl, { connections: (o.concurrency ?? DEFAULT_CONCURRENCY) * plan.groups.length, lockTimeoutS: o.lockTimeoutS });
    let deadLetters: DeadLetterSink = TABLE_DEAD_LETTERS;
    if (kafka !== undefined && producer !== undefined) {
      await untilStop('connecting the dead-letter producer', producer.connect());
      deadLetters = kafkaDeadLetters(producer, dlqLimits);
    }
    sharedDeadLetters = deadLetters;
    for (const g of plan.groups) {
      const run = await groupRun(plan, g.group, newStats());
      groups.push(run);
      for (const p of run.routes.projections) {
        log.info('projection', { projection: p.name, group: p.group, topics: p.topics.join(','), handles: Object.keys(p.handlers).sort().join(',') });
      }
    }
    if ((o.retentionMs ?? 0) > 0) {
      // The embedded run prunes once before it reads its file; a consumer prunes in the background.
      if (o.from !== undefined) await prune();
      else {
        void prune();
        timers.push(setInterval(() => void prune(), o.pruneIntervalMs ?? 60_000));
      }
    }
    lastTick = Date.now();
    timers.push(setInterval(() => void monitor(), monitorIntervalMs));
    if ((o.statsInterval ?? 10) > 0) timers.push(setInterval(() => logStats(log, groups, (o.statsInterval ?? 10)), (o.statsInterval ?? 10) * 1000));
    for (const g of groups) g.outputs?.start();
    if (o.from !== undefined) {
      if (stopSignal.requested) throw new StopRequestedError('starting');
      started = true;
      fileRun = true;
      void runFile(fromPaths ?? []).then(
        async () => { await drainOutputs(); const rows = await countRows(o.databaseUrl, plan); await closeAll(); finish({ ...summary(), rows }); },
        async (e: unknown) => { await Promise.allSettled(groups.map((g) => g.outputs?.stop())); await closeAll(); fail(e); },
      );
      return;
    }
    await startKafka();
    started = true;
    await monitor();
  }

  let sharedDeadLetters: DeadLetterSink = TABLE_DEAD_LETTERS;

  /** A group's routes, outputs and processor under a plan (engine.ts); its stats carry over a reload. */
  async function groupRun(p: Plan, group: string, stats: GroupStats): Promise<GroupRun> {
    const g = await assembleGroup(p, group, {
      sink: sink as Sink, deadLetters: sharedDeadLetters, log, stats, maxBatch: o.maxBatch, observer: metrics?.observer(group), positionsGroup: positionsOf(group), watchSpecs: true,
      outputs: { transport: o.httpTransport ?? fetchTransport, clock: o.clock ?? systemClock, env: process.env, bounded: o.from === undefined, testHooks: o.testHooks },
    });
    return { ...g, lastEvents: 0, joined: false, lag: [] };
  }

  /**
   * A transaction of group g found its projections' stored fingerprints changed (a rebuild
   * swapped their tables, or another engine recorded a new spec): nothing of it was written.
   * Read the specs again; when they are what is stored now, the group starts again under them
   * from the database's positions (the other groups go on); otherwise the runtime stops, naming
   * the projection and both fingerprints. Several partitions noticing it share one reload.
   */
  function specChanged(g: GroupRun, e: SpecChangedError): Promise<void> {
    g.reloading ??= reloadGroup(g, e).finally(() => { g.reloading = undefined; });
    return g.reloading;
  }

  async function reloadGroup(g: GroupRun, e: SpecChangedError): Promise<void> {
    const group = g.routes.group;
    const s = sink as Sink;
    const stop = (message: string, fields: Record<string, unknown>): void => {
      log.error('spec changed under the running engine: stopping', { group, ...fields, error: message });
      fatal = new Error(message);
      void runtime.stop();
    };
    const changed = e.changed();
    const first = changed[0] ?? { projection: '(none)', was: null, now: null };
    const names = changed.map((c) => c.projection).join(', ');
    if (o.plan !== undefined) {
      stop(`group ${group}: projection ${names} now has stored spec fingerprint ${first.now ?? 'none'}, this engine runs ${first.was ?? 'none'} from the plan it was given, which it cannot reload: the group stops. Restart it with the new specs (it resumes from the database's positions).`, { projection: names, stored: first.now, running: first.was });
      return;
    }
    let next: Plan;
    try {
      next = planOf(o.config ?? 'projections');
    } catch (err) {
      stop(`group ${group}: projection ${names} was rebuilt (stored spec fingerprint ${first.now ?? 'none'}, this engine runs ${first.was ?? 'none'}), and the specs in ${String(o.config ?? 'projections')} do not validate: ${err instanceof Error ? err.message : String(err)}`, { projection: names, stored: first.now, running: first.was });
      return;
    }
    const mine = next.projections.filter((p) => p.group === group);
    const stored = await watchOf(s, mine.map((p) => p.name), log);
    const reloaded = new Map(mine.map((p) => [p.name, fingerprintOf(projectionShape(next, p))]));
    const storedNow = fingerprintMap(stored?.expected ?? null);
    const mismatch = [...new Set([...changed.map((c) => c.projection), ...reloaded.keys()])].sort().find((p) => reloaded.get(p) !== storedNow.get(p));
    if (mine.length === 0 || mismatch !== undefined) {
      const p = mismatch ?? first.projection;
      stop(`group ${group}: projection ${p} has stored spec fingerprint ${storedNow.get(p) ?? 'none'} (its tables were rebuilt or recorded by another spec), but the specs in ${String(o.config ?? 'projections')} give ${reloaded.get(p) ?? '(no such projection)'}: this engine cannot see the specs the rebuild used. The group stops; restart sc-project run with those specs (it resumes from the database's positions).`, { projection: p, stored: storedNow.get(p) ?? null, reloaded: reloaded.get(p) ?? null });
      return;
    }
    // Stop the old consumer first: no transaction of the old plan runs once the new one starts.
    await g.kafka?.stop();
    await g.outputs?.stop();
    if (stopping) return;
    const run = await groupRun(next, group, g.stats);
    g.routes = run.routes;
    g.processor = run.processor;
    g.outputs = run.outputs;
    g.plan = next;
    if (stopping) return;
    g.outputs?.start();
    log.info('spec changed under the running engine (rebuilt): reloaded the specs, resuming the group from the stored positions', { group, projection: names, was: first.was, now: first.now });
    if (g.kafka !== undefined) await startConsumer(g);
  }

  /**
   * An idle group has no transaction to notice a swap with: the monitor compares the stored
   * fingerprints too, so the reload (and its log line) comes within a turn, not at the next message.
   */
  async function noticeSwaps(s: Sink): Promise<void> {
    for (const g of groups) {
      const watch = g.processor.specWatch;
      if (watch === undefined || g.reloading !== undefined || g.kafka === undefined) continue;
      const now = await readSpecWatch(s, watch.projections);
      if (now.expected !== watch.expected) void specChanged(g, new SpecChangedError(g.routes.group, watch.expected, now.expected)).catch((err: unknown) => reloadFailed(g, err));
    }
  }

  function reloadFailed(g: GroupRun, err: unknown): void {
    if (stopSignal.requested) return;
    log.error('reloading the specs failed', { group: g.routes.group, error: err instanceof Error ? err.message : String(err) });
    fatal ??= err;
    void runtime.stop();
  }

  /** The monitor's turn: database reachability, and with Kafka the lag of every partition. */
  let monitoring = false;
  let admin: Admin | undefined;
  async function monitor(): Promise<void> {
    lastTick = Date.now();
    if (monitoring || stopping || sink === undefined) return;
    monitoring = true;
    try {
      const s = sink;
      const stored = new Map<string, Map<string, number>>();
      try {
        for (const g of groups) stored.set(g.routes.group, storedMap(await untilStop('reading positions', s.transaction((tx) => tx.query(s.engine.selectPositions(g.routes.group))))));
        pingFailedSince = undefined;
        if (kafka !== undefined) await noticeSwaps(s);
      } catch (e) {
        if (stopSignal.requested) return;
        if (pingFailedSince === undefined) log.warn('database unreachable', { error: e instanceof Error ? e.message : String(e) });
        pingFailedSince ??= Date.now();
        return;
      }
      if (kafka === undefined) return;
      try {
        if (admin === undefined) {
          admin = kafka.admin();
          await untilStop('connecting the lag monitor', admin.connect());
        }
        const ends = await untilStop('reading end offsets', partitionEnds(admin, plan.groups.flatMap((g) => g.topics)));
        for (const g of groups) {
          const topics = new Set(g.routes.topics);
          g.lag = computeLag(g.routes.group, ends.filter((e) => topics.has(e.topic)), stored.get(g.routes.group) ?? new Map());
        }
      } catch (e) {
        if (stopSignal.requested) return;
        log.warn('could not read partition end offsets (lag not refreshed)', { error: e instanceof Error ? e.message : String(e) });
      }
    } finally {
      monitoring = false;
    }
  }

  /** Where a group's positions are stored: a file run's named source keeps its own. */
  function positionsOf(group: string): string {
    return o.from === undefined ? group : positionsGroup(group, o.source);
  }

  async function runFile(paths: string[]): Promise<void> {
    const s = sink as Sink;
    const input = describeInput(paths);
    // The prefix each group's stored positions were recorded from (refused when they are not a file's).
    const expect = new Map<string, Fingerprint>();
    for (const g of groups) {
      const group = positionsOf(g.routes.group);
      let prefix: Fingerprint | undefined;
      try {
        prefix = expectedPrefix(group, await storedSource(s, group), input);
      } catch (e) {
        throw e instanceof SourceRefusedError ? new ConfigError(e.message) : e;
      }
      if (prefix !== undefined) expect.set(group, prefix);
    }
    const total = await countInput(paths);
    const progress = o.progress === true ? createProgress({ label: input, total, unit: 'lines', log }) : undefined;
    // Until every recorded prefix is read and matched, nothing is applied (sources/ndjson/source.ts).
    if (expect.size > 0) for (const g of groups) await g.processor.storedPositions();
    const source = ndjsonSource({ paths, batch: o.fileBatch ?? 5000, maxLineBytes: o.maxLineBytes, expect: [...expect.values()], holdBack: notYetApplied(groups), stdin: o.stdin });
    try {
      await drive(source, groups, abort.signal, {
        stopping: () => stopping,
        hooks: (g, batch) => (batch.end === undefined ? {} : { inTransaction: recordIn(s, positionsOf(g.routes.group), batch.end) }),
        reload: async (g, e) => {
          await specChanged(g, e);
          if (fatal !== undefined) throw fatal;
        },
        // A message's offset is its line number: blank lines count as done too, as in the total.
        applied: (batch) => {
          const lines = batch.end?.lines ?? 0;
          if (progress !== undefined && lines > progress.done) progress.advance(lines - progress.done);
        },
      });
    } catch (e) {
      if (!(e instanceof SourceMismatchError)) throw e;
      const group = [...expect].find(([, f]) => f === e.expected)?.[0] ?? '?';
      throw new ConfigError(mismatchMessage(group, input, e.message));
    } finally {
      progress?.finish();
    }
  }

  /** The end of a file: flush every output and try to deliver; what fails stays stored for the next run. */
  async function drainOutputs(): Promise<void> {
    for (const g of groups) {
      if (g.outputs === undefined) continue;
      if (!stopping) await g.outputs.drain();
      await g.outputs.stop();
    }
  }

  /** Each dead-letter topic's max.message.bytes, filled once the topics are checked (letters are cut to fit). */
  const dlqLimits = new Map<string, number>();

  async function startKafka(): Promise<void> {
    if (kafka === undefined) return;
    const topics = plan.groups.flatMap((g) => g.topics);
    if (o.createTopics) {
      for (const t of await untilStop('creating topics', ensureTopics(kafka, topics))) log.info('created topic', { topic: t });
    } else {
      const missing = await untilStop('checking the topics', missingTopics(kafka, topics));
      if (missing.length > 0) throw new ConfigError(`topics missing in Kafka: ${missing.join(', ')} (create them, or run with --create-topics)`);
    }
    const dlq = await untilStop('checking the dead-letter topics', ensureDeadLetterTopics(kafka, topics));
    for (const t of dlq.created) log.info('created dead-letter topic', { topic: t, max_message_bytes: dlq.limits.get(t) ?? null });
    for (const [t, n] of dlq.limits) dlqLimits.set(t, n);
    // A group whose positions a file run recorded holds line numbers, not offsets (sources/ndjson/record.ts).
    for (const g of groups) {
      try {
        await untilStop('checking the stored positions\' source', refuseFileRecord(sink as Sink, g.routes.group));
      } catch (e) {
        throw e instanceof SourceRefusedError ? new ConfigError(e.message) : e;
      }
    }
    for (const g of groups) {
      // stop() during start-up: do not start consumers nobody will disconnect.
      if (stopping) return;
      await startConsumer(g);
    }
  }

  /** Start (or, after a reload, start again) the group's consumer. */
  async function startConsumer(g: GroupRun): Promise<void> {
    if (kafka === undefined) return;
    // The consumer's own checks say when a batch stops (no stop before a group: one group a consumer);
    // a changed spec goes back to it (onSpecChanged below), which stops it for the reload.
    const c = await startGroupConsumer(kafka, g.routes.group, g.routes.topics, g.processor, applier([g], { stopping: () => false }), log, (e) => {
      // A failure after a requested stop (the pool closing under late work) must not turn the stop into a failed run.
      if (stopSignal.requested && fatal === undefined) {
        log.warn('error after the stop was requested (ignored: what committed stays committed)', { group: g.routes.group, error: e instanceof Error ? e.message : String(e) });
        return;
      }
      log.error('group stopped on an error that retrying cannot fix', { group: g.routes.group, error: e instanceof Error ? e.message : String(e) });
      fatal = e;
      void runtime.stop();
    }, { sessionTimeoutMs: o.sessionTimeoutMs, concurrency: o.concurrency, startFrom: o.startFrom, acceptHistoryGap: o.acceptHistoryGap, stop: stopSignal, testHooks: o.testHooks, onSpecChanged: (e) => {
      void specChanged(g, e).catch((err: unknown) => reloadFailed(g, err));
    } });
    g.kafka = c;
    // consumer.run() resolves once the first join is done (kafkajs runner.start).
    g.joined = true;
    c.consumer.on(c.consumer.events.GROUP_JOIN, () => { g.joined = true; });
    c.consumer.on(c.consumer.events.REBALANCING, () => { g.joined = false; });
    c.consumer.on(c.consumer.events.CRASH, () => { g.joined = false; });
    c.consumer.on(c.consumer.events.STOP, () => { g.joined = false; });
  }

  /** The prune in progress: closeAll waits for it (it stops between chunks once stopping). */
  let pruning: Promise<void> | undefined;
  function prune(): Promise<void> {
    if (sink === undefined || stopping || pruning !== undefined) return pruning ?? Promise.resolve();
    const s = sink;
    pruning = (async () => {
      try {
        const n = await pruneProcessed(s, o.retentionMs ?? 0, () => stopping);
        if (n > 0) log.info('pruned processed event ids', { deleted: n, older_than_ms: o.retentionMs });
      } catch (e) {
        log.warn('pruning processed events failed (will retry)', { error: e instanceof Error ? e.message : String(e) });
      } finally {
        pruning = undefined;
      }
    })();
    return pruning;
  }

  /** Once: a failed start-up, stop() and a file run's end may each ask for it. */
  let closing: Promise<void> | undefined;
  function closeAll(): Promise<void> {
    closing ??= closeEverything();
    return closing;
  }
  async function closeEverything(): Promise<void> {
    for (const t of timers) clearInterval(t);
    await pruning;
    logStats(log, groups, 0);
    await producer?.disconnect().catch(() => undefined);
    // A monitor turn may be connecting the admin client right now: wait for it, then disconnect.
    while (monitoring) await new Promise((r) => setTimeout(r, 20));
    await admin?.disconnect().catch(() => undefined);
    await sink?.close();
    await ops?.close();
  }

  return runtime;
}

/** A pipe or a device may be read too (its reads are raced against a stop); a directory may not. */
function checkReadableFile(path: string): void {
  try {
    if (statSync(path).isDirectory()) throw new ConfigError(`--from ${path}: not a file`);
    accessSync(path, fsConstants.R_OK);
  } catch (e) {
    if (e instanceof ConfigError) throw e;
    const code = (e as { code?: unknown }).code;
    throw new ConfigError(`--from ${path}: ${code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : e instanceof Error ? e.message : String(e)}`);
  }
}

function planOf(config: string | string[]): Plan {
  const v = validatePaths(Array.isArray(config) ? config : [config]);
  if (v.plan === undefined) throw new ConfigError(formatDiagnostics(v.diagnostics, 'text'));
  return v.plan;
}

function logStats(log: Logger, groups: GroupRun[], intervalS: number): void {
  for (const g of groups) {
    const s = g.stats;
    // Per runtime, not per module: two runtimes of one group in a process (or a second runtime
    // after a first) would otherwise compute their rates from each other's counts.
    const prev = g.lastEvents;
    g.lastEvents = s.events;
    const rate = intervalS > 0 ? Math.round((s.events - prev) / intervalS) : undefined;
    // From the monitor (end offset minus the stored position), fresh even for idle partitions.
    const lag = g.kafka ? Object.fromEntries(g.lag.map((l) => [partitionKey(l.topic, l.partition), l.lag])) : undefined;
    log.info('stats', {
      group: g.routes.group, events: s.events, ...(rate !== undefined ? { events_per_s: rate } : {}), applied: s.applied,
      duplicates: s.duplicates, skipped_unhandled: s.skippedUnhandled, ...(s.skippedUnhandled > 0 ? { skipped_types: describeCounts(s.skippedTypes) } : {}),
      missed: s.missed, noop: s.noop, noop_stale: s.noopStale, ...(s.noop > 0 ? { noop_changes: describeCounts(noopBreakdown(s), 5, '') } : {}), already_applied: s.alreadyApplied,
      dead_lettered: s.deadLettered, batches: s.batches, statements: s.statements, retries: s.retries,
      commit_p50_ms: Math.round(percentile(s.commitMs, 50)), commit_p99_ms: Math.round(percentile(s.commitMs, 99)),
      ...(lag ? { lag } : {}),
    });
    for (const [name, os] of Object.entries(g.outputs?.stats() ?? {})) {
      log.info('output stats', {
        group: g.routes.group, output: name, ...Object.fromEntries(Object.entries(os.buffered).map(([l, n]) => [`buffered_${l}`, n])),
        pending_batches: os.pendingBatches, batches_sent: os.batchesSent, records_sent: os.recordsSent, batches_rejected: os.batchesRejected,
        dead_lettered: os.deadLettered, attempts: os.attempts, retries: os.retries, duplicates_by_id: s.duplicates, duplicates_by_content: os.contentDuplicates, last_status: os.lastStatus,
      });
    }
  }
}

async function countRows(databaseUrl: string, plan: Plan): Promise<Record<string, number>> {
  const { openKnex } = await import('../sql/connection.js');
  const db = openKnex(databaseUrl);
  try {
    const out: Record<string, number> = {};
    for (const t of [...plan.tables.map((x) => x.name), 'sc_dead_letters']) {
      const [row] = (await db(t).count({ n: '*' })) as Array<{ n: number | string }>;
      out[t] = Number(row?.n ?? 0);
    }
    return out;
  } finally {
    await db.destroy();
  }
}
