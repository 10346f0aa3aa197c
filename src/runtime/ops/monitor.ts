/**
 * The monitor's turn, every few seconds: whether the database answers (readiness), the lag of
 * every partition (Kafka runs), and a swap under an idle group. An idle group has no transaction
 * to notice a rebuild's swap with, so the monitor compares the stored fingerprints too: the
 * reload (and its log line) comes within a turn, not at the next message.
 */
import { readSpecWatch, SpecChangedError } from '../lifecycle/spec-watch.js';
import type { GroupProcessor } from '../commit/processor.js';
import type { Sink } from '../sinks/sink.js';
import { computeLag, storedMap, type PartitionEnds } from './lag.js';
import type { Logger } from './log.js';
import type { PartitionLag } from './metrics.js';

export interface MonitoredGroup {
  routes: { group: string; topics: string[] };
  processor: Pick<GroupProcessor, 'specWatch'>;
  lag: PartitionLag[];
  reloading?: Promise<void>;
  kafka?: unknown;
}

export interface MonitorDeps<G extends MonitoredGroup> {
  log: Logger;
  sink: () => Sink | undefined;
  groups: () => G[];
  stopping: () => boolean;
  /** A stop was asked for: what fails from then on is not reported. */
  stopRequested: () => boolean;
  untilStop: <T>(step: string, p: Promise<T>) => Promise<T>;
  /** Whether a processor retries and has not committed since (the database is failing too). */
  retrying?: () => boolean;
  /** With Kafka: the end offsets of the groups' topics (lag), and swaps under idle groups are looked for. */
  endOffsets?: () => Promise<PartitionEnds[]>;
  /** A group's stored fingerprints changed (a swap under it). */
  onSwap: (g: G, e: SpecChangedError) => void;
}

export class Monitor<G extends MonitoredGroup> {
  /** When the last turn began (a stuck event loop shows as an old tick in /healthz). */
  lastTick: number | undefined;
  private turning = false;
  private pingFailedSince: number | undefined;
  private retryingSince: number | undefined;

  constructor(private readonly d: MonitorDeps<G>) {}

  /** Failing since: the monitor's query failed, or a processor retries and has not committed since. */
  databaseDownSince(): number | undefined {
    if (this.d.retrying?.() === true) this.retryingSince ??= Date.now();
    else this.retryingSince = undefined;
    return this.pingFailedSince ?? this.retryingSince;
  }

  /** Resolves once no turn is running (its clients may be closed then). */
  async idle(): Promise<void> {
    while (this.turning) await new Promise((r) => setTimeout(r, 20));
  }

  async turn(): Promise<void> {
    const { d } = this;
    this.lastTick = Date.now();
    const s = d.sink();
    if (this.turning || d.stopping() || s === undefined) return;
    this.turning = true;
    try {
      const stored = new Map<string, Map<string, number>>();
      try {
        for (const g of d.groups()) stored.set(g.routes.group, storedMap(await d.untilStop('reading positions', s.transaction((tx) => tx.query(s.engine.selectPositions(g.routes.group))))));
        this.pingFailedSince = undefined;
        if (d.endOffsets !== undefined) await this.noticeSwaps(s);
      } catch (e) {
        if (d.stopRequested()) return;
        if (this.pingFailedSince === undefined) d.log.warn('database unreachable', { error: e instanceof Error ? e.message : String(e) });
        this.pingFailedSince ??= Date.now();
        return;
      }
      if (d.endOffsets === undefined) return;
      try {
        const ends = await d.endOffsets();
        for (const g of d.groups()) {
          const topics = new Set(g.routes.topics);
          g.lag = computeLag(g.routes.group, ends.filter((e) => topics.has(e.topic)), stored.get(g.routes.group) ?? new Map());
        }
      } catch (e) {
        if (d.stopRequested()) return;
        d.log.warn('could not read partition end offsets (lag not refreshed)', { error: e instanceof Error ? e.message : String(e) });
      }
    } finally {
      this.turning = false;
    }
  }

  private async noticeSwaps(s: Sink): Promise<void> {
    for (const g of this.d.groups()) {
      const watch = g.processor.specWatch;
      if (watch === undefined || g.reloading !== undefined || g.kafka === undefined) continue;
      const now = await readSpecWatch(s, watch.projections);
      if (now.expected !== watch.expected) this.d.onSwap(g, new SpecChangedError(g.routes.group, watch.expected, now.expected));
    }
  }
}
