/**
 * The runtime's API (src/index.ts re-exports it through runtime.ts): its options, its summary,
 * the handle createRuntime returns, and the group as a running engine keeps it.
 */
import type { Plan } from '../compile/plan.js';
import { formatDiagnostics } from '../diagnostics.js';
import { validatePaths } from '../validate/index.js';
import type { Group } from './engine.js';
import type { HealthReport } from './ops/health.js';
import type { LogFormat, Logger } from './ops/log.js';
import type { EngineMetrics, PartitionLag } from './ops/metrics.js';
import type { GroupStats } from './ops/stats.js';
import type { Clock, OutputStats, Transport } from './outputs/http/index.js';
import type { GroupConsumerHandle } from './sources/kafka/consumer.js';
import type { StartFrom } from './sources/kafka/placement.js';
import type { TestHooks } from './test-hooks.js';
import type { KafkaSecurity } from './sources/kafka/security/options.js';
import { sourceNameProblem } from './sources/ndjson/record.js';

export interface RuntimeOptions {
  /** Spec files or folders (or give `plan`). */
  config?: string | string[];
  plan?: Plan;
  databaseUrl: string;
  /** Kafka brokers; not needed with `from`. */
  brokers?: string[];
  /** TLS and SASL for every Kafka client (sources/kafka/security/); absent: PLAINTEXT. */
  kafkaSecurity?: KafkaSecurity;
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
  /**
   * Where registry formats (avro) get their schemas: a directory of `<id>.avsc` files (`--schemas`),
   * for offline runs; absent: the registry SCHEMA_REGISTRY_URL names.
   */
  schemasDir?: string;
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

/** A group of a running engine: the assembly (engine.ts) and what the runtime tracks of it. */
export interface GroupRun extends Group {
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

export function planOf(config: string | string[]): Plan {
  const v = validatePaths(Array.isArray(config) ? config : [config]);
  if (v.plan === undefined) throw new ConfigError(formatDiagnostics(v.diagnostics, 'text'));
  return v.plan;
}

/** The options' own consistency, before anything is opened; the --from paths, when reading files. */
export function checkOptions(o: RuntimeOptions): string[] | undefined {
  const fromPaths = o.from === undefined ? undefined : Array.isArray(o.from) ? o.from : [o.from];
  if (fromPaths !== undefined && fromPaths.length === 0) throw new ConfigError('--from: no file given');
  if (o.from === undefined && (o.brokers === undefined || o.brokers.length === 0)) throw new ConfigError('no Kafka brokers: give --brokers or KAFKA_BROKERS, or read a file with --from');
  if (o.source !== undefined && o.from === undefined) throw new ConfigError('--source names a file run\'s input: give --from too');
  const sourceProblem = o.source === undefined ? undefined : sourceNameProblem(o.source);
  if (sourceProblem !== undefined) throw new ConfigError(sourceProblem);
  return fromPaths;
}

/** The HTTP outputs' counters of every group, by output name. */
export function outputStatsOf(groups: GroupRun[]): Record<string, OutputStats> {
  return Object.assign({}, ...groups.map((g) => g.outputs?.stats() ?? {})) as Record<string, OutputStats>;
}

/** What `done` resolves to (and `stats()` reads): each group's counters, and the outputs' when there are any. */
export function summaryOf(groups: GroupRun[]): RunSummary {
  const s: RunSummary = { groups: Object.fromEntries(groups.map((g) => [g.routes.group, g.stats])) };
  const outputs = outputStatsOf(groups);
  if (Object.keys(outputs).length > 0) s.outputs = outputs;
  return s;
}
