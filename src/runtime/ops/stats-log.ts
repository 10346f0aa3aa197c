/** The periodic `stats` line of each group (and one per HTTP output), and the last one at the end of a run. */
import type { GroupOutputs } from '../outputs/http/index.js';
import type { Logger } from './log.js';
import type { PartitionLag } from './metrics.js';
import { partitionKey } from './lag.js';
import { describeCounts, noopBreakdown, percentile, type GroupStats } from './stats.js';

export interface StatsGroup {
  routes: { group: string };
  stats: GroupStats;
  outputs?: GroupOutputs;
  /** stats.events at the last stats line (for events_per_s). */
  lastEvents: number;
  /** From the monitor's last turn; shown for a group consuming Kafka (`kafka` set). */
  lag: PartitionLag[];
  kafka?: unknown;
}

export function logStats(log: Logger, groups: StatsGroup[], intervalS: number): void {
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
