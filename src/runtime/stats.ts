/** Counters of a running group; every skip and dead letter is counted, nothing goes silently. */
export interface GroupStats {
  events: number;
  applied: number;
  duplicates: number;
  skippedUnhandled: number;
  /**
   * Operations left out because their row could not be identified or a required value was
   * missing, where the spec says `on_missing: skip` (without it such an event is dead-lettered).
   */
  missed: number;
  /**
   * Row changes (not events) of updates, increments without create_missing and deletes that
   * matched no row: the row does not exist, or on a version-guarded table the stored version is
   * as new or newer (a stale or repeated version). They change nothing; their events still count
   * as applied. Successive changes of one row merged within a batch count once.
   */
  noop: number;
  alreadyApplied: number;
  deadLettered: number;
  batches: number;
  statements: number;
  retries: number;
  commitMs: number[];
}

export function newStats(): GroupStats {
  return { events: 0, applied: 0, duplicates: 0, skippedUnhandled: 0, missed: 0, noop: 0, alreadyApplied: 0, deadLettered: 0, batches: 0, statements: 0, retries: 0, commitMs: [] };
}

/** Keep the last N commit latencies for percentiles without growing with the stream. */
export function recordCommit(s: GroupStats, ms: number, keep = 4096): void {
  s.commitMs.push(ms);
  if (s.commitMs.length > keep) s.commitMs.splice(0, s.commitMs.length - keep);
}

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}
