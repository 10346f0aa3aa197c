/**
 * Fold a batch's row changes into as few statements as correct sequencing allows. Changes to
 * one row must run in event sequence; changes to different rows commute. So each change goes to
 * the first round after the last round that touched one of its rows, and within a round the
 * changes of one shape become one multi-row statement. Successive changes of one row that have
 * the same shape merge into one change first (a hot counter's 50 increments become one +50), so
 * a hot row does not cost a round per event. Pure: no database here, and the input changes are
 * never modified (a retried transaction folds them again).
 */
import { rowIdentity, type InsertRow, type RowChange, type UpdateRow } from './rows.js';
import { sumAmounts } from './numeric.js';

export interface StatementGroup {
  shape: string;
  rows: RowChange[];
}

export type Round = StatementGroup[];

export function fold(rows: readonly RowChange[]): Round[] {
  /** The latest change of each row: its round, and where it sits, to merge the next one into. */
  const latest = new Map<string, { round: number; group: StatementGroup; index: number }>();
  const rounds: Array<Map<string, StatementGroup>> = [];
  for (const row of rows) {
    const id = rowIdentity(row);
    const at = latest.get(id);
    const prev = at?.group.rows[at.index];
    const merged = at !== undefined && prev !== undefined ? merge(prev, row) : undefined;
    if (at !== undefined && merged !== undefined) {
      at.group.rows[at.index] = merged;
      continue;
    }
    const round = at === undefined ? 0 : at.round + 1;
    let groups = rounds[round];
    if (groups === undefined) {
      groups = new Map();
      rounds[round] = groups;
    }
    let group = groups.get(row.shape);
    if (group === undefined) {
      group = { shape: row.shape, rows: [] };
      groups.set(row.shape, group);
    }
    group.rows.push(row);
    latest.set(id, { round, group, index: group.rows.length - 1 });
  }
  return rounds.map((groups) => [...groups.values()]);
}

/**
 * One change with the effect of `a` then `b` on the same row, or undefined when there is none
 * that is simple. Same shape means same statement, columns and modes. JSON replacements depend
 * on their paths, so those never merge; guarded changes merge only as `mergeGuarded` says.
 */
export function merge(a: RowChange, b: RowChange): RowChange | undefined {
  if (a.shape !== b.shape) return undefined;
  if (a.guard !== undefined || b.guard !== undefined) return mergeGuarded(a, b);
  if (a.kind === 'insert' && b.kind === 'insert') return mergeInserts(a, b);
  if (a.kind === 'update' && b.kind === 'update') return mergeUpdates(a, b);
  return undefined;
}

/**
 * Two guarded updates of the same columns, each also setting the version column: the row keeps
 * whichever has the higher version. With stored version s, a then b gives b's values when
 * b.v > a.v (a applies if s < a.v and then b, or a is skipped and b applies if s < b.v) and a's
 * otherwise (b never beats the version a set); applying only that one gives the same.
 */
function mergeGuarded(a: RowChange, b: RowChange): RowChange | undefined {
  if (a.kind !== 'update' || b.kind !== 'update' || a.upsert || a.guard === undefined || a.guard !== b.guard) return undefined;
  if (typeof a.version !== 'number' || typeof b.version !== 'number') return undefined;
  if (!a.set.every((p) => p.mode === 'set') || !setsVersion(a) || !setsVersion(b)) return undefined;
  return b.version > a.version ? b : a;
}

/** The update moves the guard column to the version it was guarded with. */
function setsVersion(u: UpdateRow): boolean {
  return u.set.some((p) => p.mode === 'set' && p.column === u.guard && Number(p.value) === u.version);
}

/** Insert a then b: a's row with b's values in the columns an existing key updates. */
function mergeInserts(a: InsertRow, b: InsertRow): InsertRow {
  if (a.update.length === 0) return a;
  return { ...a, values: a.values.map((v, i) => (a.update.includes(a.columns[i] as string) ? (b.values[i] ?? null) : v)) };
}

/** Update a then b: amounts add up, assignments take b's value. */
function mergeUpdates(a: UpdateRow, b: UpdateRow): UpdateRow | undefined {
  if (a.set.length !== b.set.length) return undefined;
  const set: UpdateRow['set'] = [];
  for (let i = 0; i < a.set.length; i++) {
    const x = a.set[i]!;
    const y = b.set[i]!;
    if (x.column !== y.column || x.mode !== y.mode) return undefined;
    if (x.mode === 'replace') return undefined;
    if (x.mode === 'add' && y.mode === 'add') {
      // Amounts of one sign only: then the sum is the farthest the column goes, and checking its
      // range checks every step. +10 then -10 at an INT's limit must fail the +10 as one by one
      // (and as after any split of the batch), not pass as +0.
      if (signOf(x.value) * signOf(y.value) < 0) return undefined;
      set.push({ ...x, value: sumAmounts(x.numeric, x.value, y.value) });
    } else set.push(y);
  }
  return { ...a, set };
}

/** Split a group into chunks of at most `size` rows (statement size stays bounded). */
export function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

function signOf(v: unknown): number {
  if (typeof v === 'number') return Math.sign(v);
  if (typeof v === 'string') return v.startsWith('-') ? -1 : /[1-9]/u.test(v) ? 1 : 0;
  return 0;
}

/**
 * Upper bound of the bytes one row change adds to a statement's text: mysql2 inlines parameters
 * into the SQL it sends, escaping quotes, backslashes and control characters (at most twice the
 * UTF-8 bytes), plus quotes and separators. Cheap for small strings (3 UTF-8 bytes per UTF-16
 * unit at most); long ones are measured.
 */
export function rowBytes(row: RowChange): number {
  // Plain loops, no closure: this runs for every row change, twice (the per-event limit check
  // and the statement split).
  let n = 64;
  if (row.kind === 'insert') {
    for (const v of row.values) n += valueBytes(v);
    return n;
  }
  for (const v of row.whereValues) n += valueBytes(v);
  if (row.kind === 'update') {
    for (const p of row.set) {
      n += valueBytes(p.value);
      if (p.mode === 'replace') n += valueBytes(p.path);
      if (p.mode === 'add') n += valueBytes(p.base);
    }
  }
  if (row.version !== undefined) n += valueBytes(row.version);
  return n;
}

function valueBytes(v: unknown): number {
  return typeof v === 'string' ? stringBytes(v) + 8 : 24;
}

const ESCAPED = /[\0\b\t\n\r\x1a"'\\]/gu;

function stringBytes(s: string): number {
  if (s.length < 4096) return s.length * 6;
  return Buffer.byteLength(s, 'utf8') + (s.match(ESCAPED)?.length ?? 0);
}

/**
 * Split a group so that no part's rows add up to more than `maxBytes` (statements stay below the
 * server's max_allowed_packet). A single row bigger than that is a part alone: the caller
 * dead-letters such an event before it gets here.
 */
export function splitByBytes(group: StatementGroup, maxBytes: number): StatementGroup[] {
  // Nearly every group fits: sum first, and only a group that does not is measured again to be cut.
  let total = 0;
  for (const r of group.rows) {
    total += rowBytes(r);
    if (total > maxBytes) return chunksBy(group.rows, rowBytes, maxBytes).map((rows) => ({ shape: group.shape, rows }));
  }
  return [group];
}

/** Split items into runs whose sizes add up to at most `max` (an item larger than that is alone). */
export function chunksBy<T>(items: readonly T[], size: (t: T) => number, max: number): T[][] {
  const out: T[][] = [];
  let run: T[] = [];
  let bytes = 0;
  for (const item of items) {
    const n = size(item);
    if (run.length > 0 && bytes + n > max) {
      out.push(run);
      run = [];
      bytes = 0;
    }
    run.push(item);
    bytes += n;
  }
  if (run.length > 0) out.push(run);
  return out;
}
