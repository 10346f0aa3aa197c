/** Counters of a running group; every skip and dead letter is counted, nothing goes silently. */
export interface GroupStats {
  events: number;
  applied: number;
  duplicates: number;
  skippedUnhandled: number;
  /**
   * skippedUnhandled by event type (typeLabel), bounded: the first MAX_NAMED_TYPES distinct types
   * are named, later new ones are summed under OTHER_TYPES (a stream of ever new types must not
   * grow memory or the metric's label set).
   */
  skippedTypes: Map<string, number>;
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
  /** Of `noop`: changes skipped by a version guard (the stored version as new or newer); the rest found no row. */
  noopStale: number;
  /**
   * `noop` by noopKey(table, handler, reason). Bounded by the specs: a handler is an event type
   * the spec names, or DEFAULT_ROUTE for a default route.
   */
  noopBy: Map<string, number>;
  alreadyApplied: number;
  deadLettered: number;
  batches: number;
  statements: number;
  retries: number;
  commitMs: number[];
}

export function newStats(): GroupStats {
  return { events: 0, applied: 0, duplicates: 0, skippedUnhandled: 0, skippedTypes: new Map(), missed: 0, noop: 0, noopStale: 0, noopBy: new Map(), alreadyApplied: 0, deadLettered: 0, batches: 0, statements: 0, retries: 0, commitMs: [] };
}

/** Distinct unhandled types named per group; the rest count under OTHER_TYPES. */
export const MAX_NAMED_TYPES = 50;
/** Not a valid event type of a spec (parentheses), so it never mixes with a real one. */
export const OTHER_TYPES = '(other)';
/** Longest type name kept (longer ones are cut and end in …). */
const MAX_TYPE_LENGTH = 64;

/**
 * An event type as a name in logs, summaries and metric labels: at most MAX_TYPE_LENGTH
 * characters, control characters escaped (a type comes from the stream: it must not inject
 * terminal escapes or new lines), "(no type)" for none.
 */
export function typeLabel(type: string | undefined | null): string {
  if (type === undefined || type === null) return '(no type)';
  const cut = type.length > MAX_TYPE_LENGTH ? `${type.slice(0, MAX_TYPE_LENGTH)}…` : type;
  return cut.replace(/[\u0000-\u001f\u007f-\u009f]/gu, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Add unhandled-type counts (raw types, as a unit counted them) to the group's bounded names. */
export function addSkippedTypes(s: GroupStats, counts: ReadonlyMap<string | undefined, number>): void {
  for (const [type, n] of counts) {
    let name = typeLabel(type);
    if (!s.skippedTypes.has(name) && s.skippedTypes.size - (s.skippedTypes.has(OTHER_TYPES) ? 1 : 0) >= MAX_NAMED_TYPES) name = OTHER_TYPES;
    s.skippedTypes.set(name, (s.skippedTypes.get(name) ?? 0) + n);
  }
}

export type NoopReason = 'no_row' | 'stale';

/** Key of GroupStats.noopBy. */
export const noopKey = (table: string, handler: string, reason: NoopReason): string => `${table}\u0000${handler}\u0000${reason}`;

export function splitNoopKey(k: string): { table: string; handler: string; reason: NoopReason } {
  const [table, handler, reason] = k.split('\u0000') as [string, string, NoopReason];
  return { table, handler, reason };
}

/** noopBy as `table/handler reason` → count (summaries, tests). */
export function noopBreakdown(s: GroupStats): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, n] of s.noopBy) {
    const { table, handler, reason } = splitNoopKey(k);
    out[`${table}/${handler} ${reason}`] = n;
  }
  return out;
}

/**
 * Counts as `name n, …` by count (then name), the first `top` named and the rest summed:
 * `… and 12 more types: 40`. OTHER_TYPES (names not kept) is always in the rest.
 */
export function describeCounts(counts: ReadonlyMap<string, number> | Record<string, number>, top = 5, noun = 'types'): string {
  const entries = counts instanceof Map ? [...counts] : Object.entries(counts);
  const named = entries.filter(([k]) => k !== OTHER_TYPES).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const other = entries.find(([k]) => k === OTHER_TYPES)?.[1] ?? 0;
  const shown = named.slice(0, top).map(([k, n]) => `${k} ${n}`);
  const rest = named.slice(top);
  const restSum = rest.reduce((a, [, n]) => a + n, 0) + other;
  if (restSum > 0) {
    const many = other > 0 ? '' : `${rest.length} `;
    shown.push(`… and ${many}more${noun === '' ? '' : ` ${noun}`}: ${restSum}`);
  }
  return shown.join(', ');
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
