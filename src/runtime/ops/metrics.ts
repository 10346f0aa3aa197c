/**
 * Prometheus metrics of one runtime, in a registry of its own (never prom-client's global one:
 * tests and embedders run several runtimes in one process, and each must expose only its own).
 *
 * The hot path stays cheap: the processor reports once per committed transaction (a few map
 * updates and two histogram observations), and every counter the engine already keeps in
 * GroupStats is read from it when Prometheus scrapes, not updated per message.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { redactUrls } from '../../redact.js';
import { OTHER_TYPES, splitNoopKey, type GroupStats } from './stats.js';
import { VERSION } from '../version.js';
import { METRIC_NAMES } from './metric-names.js';
import { registerOutputMetrics, type OutputCounters, type OutputMetrics } from './output-metrics.js';

export { METRIC_NAMES } from './metric-names.js';
export type { OutputCounters, OutputMetrics } from './output-metrics.js';

/** What the processor reports for each transaction it committed (and for its retries). */
export interface BatchObserver {
  /**
   * A unit committed: its duration, its messages, the events applied and the messages
   * dead-lettered per projection ("" for none), and the rows written per table and operation.
   */
  committed(seconds: number, messages: number, applied: ReadonlyMap<string, number>, deadLettered: ReadonlyMap<string, number>, rows: ReadonlyMap<string, number>): void;
  /** The database failed with an error worth retrying (true), or answered again after one (false). */
  unavailable(down: boolean): void;
}

/** Key of `rows` in BatchObserver.committed: table and operation (insert, update, delete, ...). */
export const rowsKey = (table: string, operation: string): string => `${table}\u0000${operation}`;

/** A group as the metrics see it: its stats, and what the runtime's monitor knows of its lag. */
export interface MetricGroup {
  group: string;
  stats: GroupStats;
}

export interface PartitionLag {
  group: string;
  topic: string;
  partition: number;
  /** The partition's end offset (high watermark). */
  end: number;
  /** The next offset stored in the database; undefined when nothing was stored yet. */
  stored: number | undefined;
  lag: number;
}

/** Live state the gauges read at scrape time. */
export interface MetricSources {
  groups(): MetricGroup[];
  lag(): PartitionLag[];
  /** Since when the database has been failing (ms epoch), or undefined when it answers. */
  databaseDownSince(): number | undefined;
  ready(): boolean;
  /** HTTP outputs' own counters, by output name. */
  outputs?(): Record<string, OutputCounters>;
}


/** Outcomes counted from GroupStats (group level: decided before a projection is chosen); `skipped` goes by event type. */
const GROUP_OUTCOMES: Array<[string, (s: GroupStats) => number]> = [
  ['duplicate', (s) => s.duplicates],
  ['already_applied', (s) => s.alreadyApplied],
  ['missed', (s) => s.missed],
];

interface GroupCounts {
  applied: Map<string, number>;
  deadLettered: Map<string, number>;
  rows: Map<string, number>;
  /** Retries in progress make the database count as down until a unit commits again. */
  down: boolean;
}

export class EngineMetrics {
  readonly registry = new Registry();
  private readonly counts = new Map<string, GroupCounts>();
  private readonly batchSize: Histogram<'group'>;
  private readonly commit: Histogram<'group'>;
  private sources: MetricSources | undefined;

  constructor(o: { defaultMetrics?: boolean } = {}) {
    const registers = [this.registry];
    // Process metrics (CPU, memory, event loop lag) with the usual names, in this registry only.
    if (o.defaultMetrics !== false) collectDefaultMetrics({ register: this.registry, prefix: 'sc_project_' });
    const self = this;
    new Gauge({ name: METRIC_NAMES.buildInfo, help: 'Always 1; the version of sc-project and of Node.js in labels', labelNames: ['version', 'node_version'], registers }).set({ version: VERSION, node_version: process.versions.node }, 1);
    new Counter({
      name: METRIC_NAMES.messages, help: `Messages by group, projection and outcome (applied, duplicate, already_applied, skipped, dead_lettered, missed); projection is "" where the outcome is decided for the group; skipped ones name their event_type (the first 50 distinct of a group, then ${OTHER_TYPES})`, labelNames: ['group', 'projection', 'outcome', 'event_type'], registers,
      collect() {
        this.reset();
        for (const g of self.groups()) {
          const c = self.countsOf(g.group);
          for (const [projection, n] of c.applied) this.inc({ group: g.group, projection, outcome: 'applied' }, n);
          for (const [projection, n] of c.deadLettered) this.inc({ group: g.group, projection, outcome: 'dead_lettered' }, n);
          for (const [outcome, read] of GROUP_OUTCOMES) this.inc({ group: g.group, projection: '', outcome }, read(g.stats));
          // Bounded by stats.ts (MAX_NAMED_TYPES); a count kept without names (stats made by hand) is "other".
          let named = 0;
          for (const [event_type, n] of g.stats.skippedTypes) {
            named += n;
            // An event type is the input's text: no secret in a label (redactUrls).
            this.inc({ group: g.group, projection: '', outcome: 'skipped', event_type: redactUrls(event_type) }, n);
          }
          const rest = g.stats.skippedUnhandled - named;
          if (rest > 0 || g.stats.skippedTypes.size === 0) this.inc({ group: g.group, projection: '', outcome: 'skipped', event_type: OTHER_TYPES }, Math.max(0, rest));
        }
      },
    });
    new Counter({
      name: METRIC_NAMES.rows, help: 'Rows written by table and operation (successive changes of one row merged in a batch count once)', labelNames: ['group', 'table', 'operation'], registers,
      collect() {
        this.reset();
        for (const g of self.groups()) {
          for (const [k, n] of self.countsOf(g.group).rows) {
            const [table, operation] = k.split('\u0000') as [string, string];
            this.inc({ group: g.group, table, operation }, n);
          }
        }
      },
    });
    const fromStats = (name: string, help: string, read: (s: GroupStats) => number) => new Counter({
      name, help, labelNames: ['group'], registers,
      collect() {
        this.reset();
        for (const g of self.groups()) this.inc({ group: g.group }, read(g.stats));
      },
    });
    fromStats(METRIC_NAMES.batches, 'Transactions committed', (s) => s.batches);
    fromStats(METRIC_NAMES.statements, 'SQL statements run for row changes', (s) => s.statements);
    new Counter({
      name: METRIC_NAMES.noop, help: 'Row changes of updates, increments and deletes that changed nothing, by table, event_type (the handler: an event type of the spec, or (default)) and reason: no_row (no row matched) or stale (a guarded row at a version as new or newer)', labelNames: ['group', 'table', 'event_type', 'reason'], registers,
      collect() {
        this.reset();
        for (const g of self.groups()) {
          for (const [k, n] of g.stats.noopBy) {
            const { table, handler, reason } = splitNoopKey(k);
            this.inc({ group: g.group, table, event_type: handler, reason }, n);
          }
        }
      },
    });
    fromStats(METRIC_NAMES.retries, 'Database operations retried after an error worth retrying (outage, deadlock)', (s) => s.retries);
    this.batchSize = new Histogram({ name: METRIC_NAMES.batchSize, help: 'Messages per committed transaction', labelNames: ['group'], buckets: [1, 10, 50, 100, 250, 500, 1000, 2500, 5000, 10000], registers });
    this.commit = new Histogram({ name: METRIC_NAMES.commit, help: 'Time to apply and commit one transaction, retries included', labelNames: ['group'], buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30], registers });
    new Gauge({
      name: METRIC_NAMES.databaseUp, help: '1 while the database answers, 0 during an outage', registers,
      collect() { this.set(self.sources?.databaseDownSince() === undefined ? 1 : 0); },
    });
    new Gauge({
      name: METRIC_NAMES.outage, help: 'How long the current database outage has lasted (0 when the database answers)', registers,
      collect() {
        const since = self.sources?.databaseDownSince();
        this.set(since === undefined ? 0 : Math.max(0, (Date.now() - since) / 1000));
      },
    });
    new Gauge({
      name: METRIC_NAMES.ready, help: '1 when /readyz reports ready', registers,
      collect() { this.set(self.sources?.ready() === true ? 1 : 0); },
    });
    const perPartition = (name: string, help: string, read: (l: PartitionLag) => number | undefined) => new Gauge({
      name, help, labelNames: ['group', 'topic', 'partition'], registers,
      collect() {
        this.reset();
        for (const l of self.sources?.lag() ?? []) {
          const v = read(l);
          if (v !== undefined) this.set({ group: l.group, topic: l.topic, partition: String(l.partition) }, v);
        }
      },
    });
    perPartition(METRIC_NAMES.lag, 'Messages behind: the partition end offset minus the position stored in the database', (l) => l.lag);
    perPartition(METRIC_NAMES.endOffset, 'The partition end offset (high watermark)', (l) => l.end);
    perPartition(METRIC_NAMES.storedPosition, 'The next offset to read, as stored in the database with the rows', (l) => l.stored);
    this.outputs = registerOutputMetrics(registers, () => self.sources?.outputs?.() ?? {});
  }

  /** Where the gauges read live state; set by the runtime once its groups exist. */
  bind(sources: MetricSources): void {
    this.sources = sources;
  }

  /** The observer a group's processor reports to. */
  observer(group: string): BatchObserver {
    const c = this.countsOf(group);
    const batchSize = this.batchSize.labels({ group });
    const commit = this.commit.labels({ group });
    return {
      committed(seconds, messages, applied, deadLettered, rows) {
        batchSize.observe(messages);
        commit.observe(seconds);
        addAll(c.applied, applied);
        addAll(c.deadLettered, deadLettered);
        addAll(c.rows, rows);
        c.down = false;
      },
      unavailable(down) { c.down = down; },
    };
  }

  /** True while some group's processor is retrying a database error and has not committed since. */
  retrying(): boolean {
    for (const c of this.counts.values()) if (c.down) return true;
    return false;
  }

  /** For outputs that report as they go rather than keep counters (MetricSources.outputs). */
  readonly outputs: OutputMetrics;

  /** The exposition text and its content type. */
  async scrape(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }

  private groups(): MetricGroup[] {
    return this.sources?.groups() ?? [];
  }

  private countsOf(group: string): GroupCounts {
    let c = this.counts.get(group);
    if (c === undefined) {
      c = { applied: new Map(), deadLettered: new Map(), rows: new Map(), down: false };
      this.counts.set(group, c);
    }
    return c;
  }
}

function addAll(into: Map<string, number>, from: ReadonlyMap<string, number>): void {
  for (const [k, n] of from) into.set(k, (into.get(k) ?? 0) + n);
}
