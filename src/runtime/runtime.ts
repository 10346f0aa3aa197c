/**
 * The engine as a library: `createRuntime(options)` → `start()` / `stop()`. The CLI's `run` uses
 * exactly this. A runtime validates the specs, creates missing tables, assembles every consumer
 * group (engine.ts) and drives it from Kafka (sources/kafka/start.ts) or, in the embedded
 * default, from NDJSON files (file-run.ts); the monitor and the ops server watch it run.
 */
import type { Plan } from '../compile/plan.js';
import { databaseTls, parseDatabaseUrl } from '../sql/connection.js';
import { checkOptions, outputStatsOf, planOf, summaryOf, type GroupRun, type Runtime, type RuntimeOptions, type RunSummary } from './api.js';
import { assembleGroup } from './engine.js';
import { registryOutage, schemasDir } from './registry/index.js';
import { checkReadableFile, countRows, drainOutputs, runFile } from './file-run.js';
import { prepareSchema } from './lifecycle/schema.js';
import type { SpecChangedError } from './lifecycle/spec-watch.js';
import { liveness, readiness, type HealthState } from './ops/health.js';
import { startOpsServer, type OpsServer } from './ops/http-server.js';
import { createLogger } from './ops/log.js';
import { EngineMetrics } from './ops/metrics.js';
import { Monitor } from './ops/monitor.js';
import { Pruner } from './ops/pruner.js';
import { logStats } from './ops/stats-log.js';
import { newStats, type GroupStats } from './ops/stats.js';
import { TABLE_DEAD_LETTERS, type DeadLetterSink } from './outputs/dead-letters/index.js';
import { fetchTransport, systemClock } from './outputs/http/index.js';
import { reloader } from './reload.js';
import { openSink } from './sinks/open.js';
import type { Sink } from './sinks/sink.js';
import { DEFAULT_CONCURRENCY } from './sources/kafka/consumer.js';
import { KafkaRun } from './sources/kafka/start.js';
import { describeInput, positionsGroup } from './sources/ndjson/record.js';
import { raceAbort, StopRequestedError } from './stop-signal.js';
import { VERSION } from './version.js';

export { ConfigError, type Runtime, type RuntimeOptions, type RunSummary } from './api.js';

export async function createRuntime(o: RuntimeOptions): Promise<Runtime> {
  const log = o.logger ?? createLogger(o.logFormat ?? 'text');
  const plan = o.plan ?? planOf(o.config ?? 'projections');
  // A malformed URL fails here, before any other check or connection.
  parseDatabaseUrl(o.databaseUrl);
  const fromPaths = checkOptions(o);

  // The run's state: what start-up opened, and how far stopping got.
  let sink: Sink | undefined;
  let ops: OpsServer | undefined;
  let pruner: Pruner | undefined;
  let deadLetters: DeadLetterSink = TABLE_DEAD_LETTERS;
  let started = false;
  let stopping = false;
  let fileRun = false;
  let fatal: unknown;
  let starting: Promise<void> | undefined;
  let stopped: Promise<void> | undefined;
  // stop() during start-up: every step that may block (the broker unreachable, a join that waits
  // out a killed member's session) races this, so a stop never waits for them.
  const abort = new AbortController();
  const untilStop = <T>(step: string, p: Promise<T>): Promise<T> => raceAbort(step, p, abort.signal);
  let finish!: (s: RunSummary) => void;
  let fail!: (e: unknown) => void;
  const done = new Promise<RunSummary>((res, rej) => { finish = res; fail = rej; });
  // A caller that only awaits start() (which throws too) must not crash on an unobserved rejection.
  done.catch(() => undefined);
  const groups: GroupRun[] = [];
  const timers: NodeJS.Timeout[] = [];
  const kafka = o.from === undefined ? new KafkaRun({ brokers: o.brokers ?? [], clientId: o.clientId ?? 'sc-project', log, security: o.kafkaSecurity }) : undefined;
  const metrics = o.http !== undefined || o.metrics === true ? new EngineMetrics() : undefined;
  const monitorIntervalMs = o.monitorIntervalMs ?? 5000;
  const topics = plan.groups.flatMap((g) => g.topics);
  // One file source for every group and reload: each schema file is read once.
  const schemas = o.schemasDir === undefined ? undefined : schemasDir(o.schemasDir);
  const stopOn = (e: unknown, keep: boolean): void => {
    fatal = keep ? fatal ?? e : e;
    void runtime.stop();
  };
  const reload = reloader({
    log, given: o.plan, config: o.config, sink: () => sink as Sink, stopping: () => stopping, stopRequested: () => abort.signal.aborted, stopOn,
    assemble: (p, group, g) => groupRun(p, group, g.stats), restart: startConsumer,
  });
  const monitor = new Monitor<GroupRun>({
    log, sink: () => sink, groups: () => groups, stopping: () => stopping, stopRequested: () => abort.signal.aborted, untilStop, retrying: () => metrics?.retrying() === true,
    endOffsets: kafka === undefined ? undefined : () => kafka.endOffsets(topics, untilStop),
    onSwap: (g, e) => void reload.specChanged(g, e).catch((err: unknown) => reload.failed(g, err)),
  });
  const healthState = (): HealthState => ({
    now: Date.now(), started, stopping, fatal: fatal === undefined ? undefined : fatal instanceof Error ? fatal.message : String(fatal),
    groups: o.from === undefined ? groups.map((g) => ({ group: g.routes.group, joined: g.joined })) : [],
    databaseDownSince: monitor.databaseDownSince(), lastTick: monitor.lastTick, tickIntervalMs: monitorIntervalMs, outageThresholdMs: o.outageThresholdMs ?? 15_000,
    registryDown: registryOutage(),
  });
  metrics?.bind({
    groups: () => groups.map((g) => ({ group: g.routes.group, stats: g.stats })),
    lag: () => groups.flatMap((g) => g.lag),
    databaseDownSince: () => monitor.databaseDownSince(),
    ready: () => readiness(healthState()).ok,
    outputs: () => outputStatsOf(groups),
  });

  const runtime: Runtime = {
    plan,
    done,
    stats: () => summaryOf(groups).groups,
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
        if (abort.signal.aborted && (e instanceof StopRequestedError || fatal === undefined)) {
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
          else finish(summaryOf(groups));
        }
      })();
      return stopped;
    },
  };

  async function startUp(): Promise<void> {
    // Start-up checks come before any side effect: a --from file that cannot be read must not
    // leave a new SQLite file with its tables (or an ops server) behind.
    for (const p of fromPaths ?? []) if (p !== '-') checkReadableFile(p);
    const dbTls = databaseTls(o.databaseUrl);
    log.info('sc-project starting', { version: VERSION, node: process.versions.node, source: fromPaths === undefined ? 'kafka' : describeInput(fromPaths), ...(o.source !== undefined ? { source_name: o.source } : {}), ...(fromPaths === undefined && o.kafkaSecurity !== undefined ? { kafka_security: o.kafkaSecurity.description } : {}), ...(dbTls !== undefined ? { database_tls: dbTls.description } : {}), groups: plan.groups.map((g) => g.group).join(',') });
    if (dbTls?.warning !== undefined) log.warn(dbTls.warning);
    // Before anything is created: a Kafka security mistake is one line and exit 1, not retries.
    await kafka?.checkConnection(untilStop);
    if (o.http !== undefined) {
      ops = await startOpsServer(o.http, { metrics: () => metrics?.scrape() ?? Promise.reject(new Error('no metrics')), health: () => runtime.health(), ready: () => runtime.ready() });
      log.info('serving /metrics, /healthz and /readyz', { address: `http://${ops.host.includes(':') ? `[${ops.host}]` : ops.host}:${ops.port}` });
    }
    if (o.createTables !== false) await untilStop('preparing the schema', prepareSchema(o.databaseUrl, plan, log, { migrate: o.migrate === true, acceptSpec: o.acceptSpec === true, advice: { from: o.from, source: o.source, config: o.config, databaseUrl: o.databaseUrl } }));
    if (abort.signal.aborted) throw new StopRequestedError('starting');
    const s = await openSink(o.databaseUrl, { connections: (o.concurrency ?? DEFAULT_CONCURRENCY) * plan.groups.length, lockTimeoutS: o.lockTimeoutS });
    sink = s;
    if (kafka !== undefined) deadLetters = await kafka.deadLetters(untilStop);
    for (const g of plan.groups) {
      const run = await groupRun(plan, g.group, newStats());
      groups.push(run);
      for (const p of run.routes.projections) {
        log.info('projection', { projection: p.name, group: p.group, topics: p.topics.join(','), handles: Object.keys(p.handlers).sort().join(',') });
      }
    }
    if ((o.retentionMs ?? 0) > 0) {
      pruner = new Pruner(s, o.retentionMs ?? 0, log, () => stopping);
      await pruner.start(o.from === undefined, o.pruneIntervalMs ?? 60_000);
    }
    monitor.lastTick = Date.now();
    timers.push(setInterval(() => void monitor.turn(), monitorIntervalMs));
    if ((o.statsInterval ?? 10) > 0) timers.push(setInterval(() => logStats(log, groups, (o.statsInterval ?? 10)), (o.statsInterval ?? 10) * 1000));
    for (const g of groups) g.outputs?.start();
    if (o.from !== undefined) {
      if (abort.signal.aborted) throw new StopRequestedError('starting');
      started = true;
      fileRun = true;
      const reloadOrStop = async (g: GroupRun, e: SpecChangedError): Promise<void> => {
        await reload.specChanged(g, e);
        if (fatal !== undefined) throw fatal;
      };
      void runFile({ o, log, sink: s, groups, stopping: () => stopping, signal: abort.signal, positionsOf, reload: reloadOrStop }, fromPaths ?? []).then(
        async () => { await drainOutputs(groups, () => stopping); const rows = await countRows(o.databaseUrl, plan); await closeAll(); finish({ ...summaryOf(groups), rows }); },
        async (e: unknown) => { await Promise.allSettled(groups.map((g) => g.outputs?.stop())); await closeAll(); fail(e); },
      );
      return;
    }
    await kafka?.startGroups(groups, { topics, createTopics: o.createTopics === true, sink: s, untilStop, stopping: () => stopping, start: startConsumer });
    started = true;
    await monitor.turn();
  }

  /** A group's routes, outputs and processor under a plan (engine.ts); its stats carry over a reload. */
  async function groupRun(p: Plan, group: string, stats: GroupStats): Promise<GroupRun> {
    const g = await assembleGroup(p, group, {
      sink: sink as Sink, deadLetters, log, stats, ...(schemas !== undefined ? { schemas } : {}), registryProperties: o.kafkaSecurity?.registry, maxBatch: o.maxBatch, observer: metrics?.observer(group), positionsGroup: positionsOf(group), watchSpecs: true,
      outputs: { transport: o.httpTransport ?? fetchTransport, clock: o.clock ?? systemClock, env: process.env, bounded: o.from === undefined, testHooks: o.testHooks },
    });
    return { ...g, lastEvents: 0, joined: false, lag: [] };
  }

  /** Where a group's positions are stored: a file run's named source keeps its own. */
  function positionsOf(group: string): string {
    return o.from === undefined ? group : positionsGroup(group, o.source);
  }

  /** Start (or, after a reload, start again) the group's consumer. */
  async function startConsumer(g: GroupRun): Promise<void> {
    await kafka?.startGroup(g, {
      onFatal: (e) => {
        // A failure after a requested stop (the pool closing under late work) must not turn the stop into a failed run.
        if (abort.signal.aborted && fatal === undefined) {
          log.warn('error after the stop was requested (ignored: what committed stays committed)', { group: g.routes.group, error: e instanceof Error ? e.message : String(e) });
          return;
        }
        log.error('group stopped on an error that retrying cannot fix', { group: g.routes.group, error: e instanceof Error ? e.message : String(e) });
        stopOn(e, false);
      },
      onSpecChanged: (e) => void reload.specChanged(g, e).catch((err: unknown) => reload.failed(g, err)),
    }, { sessionTimeoutMs: o.sessionTimeoutMs, concurrency: o.concurrency, startFrom: o.startFrom, acceptHistoryGap: o.acceptHistoryGap, signal: abort.signal, testHooks: o.testHooks });
  }

  /** Once: a failed start-up, stop() and a file run's end may each ask for it. */
  let closing: Promise<void> | undefined;
  function closeAll(): Promise<void> {
    closing ??= (async () => {
      for (const t of timers) clearInterval(t);
      await pruner?.close();
      logStats(log, groups, 0);
      await kafka?.closeProducer();
      // A monitor turn may be connecting the admin client right now: wait for it, then disconnect.
      await monitor.idle();
      await kafka?.closeAdmin();
      await sink?.close();
      await ops?.close();
    })();
    return closing;
  }

  return runtime;
}
