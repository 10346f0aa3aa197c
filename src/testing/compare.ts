/**
 * Expected rows vs actual rows. Each expected row names the columns it checks (subset match);
 * values are normalized through the column's type, so a fixture writes ISO datetimes, booleans
 * and JSON documents the way the events carry them.
 */
import { deepEqual } from '../compile/evaluate.js';
import type { ColumnDef, TableDef } from '../compile/plan.js';
import { coerce } from '../sql/coerce.js';

export type Row = Record<string, unknown>;

export interface TableDiff {
  table: string;
  problems: string[];
  missing: Row[];
  unexpected: Row[];
  /** Per missing row (same index): the actual row closest to it and the columns where they differ. */
  closest?: Array<Closest | undefined>;
}

export interface Closest {
  /** The closest row's key, as `id a` or `a 1, b x`. */
  key: string;
  /** The expected columns it misses; `found` is undefined when the row has no such column. */
  columns: Array<{ column: string; expected: unknown; found: unknown }>;
}

export function valuesMatch(col: ColumnDef | undefined, expected: unknown, actual: unknown): boolean {
  if (expected === null || actual === null) return expected === actual;
  if (col === undefined) return deepEqual(expected, actual) || String(expected) === String(actual);
  if (col.type === 'json') {
    const parsed = typeof actual === 'string' ? safeParse(actual) : actual;
    return deepEqual(expected, parsed);
  }
  let want: unknown;
  try {
    want = coerce(col, expected);
  } catch {
    return false;
  }
  if (col.type === 'decimal') return Number(want) === Number(actual);
  return String(want) === String(actual);
}

function safeParse(s: string): unknown {
  try {
    return JSON.parse(s);
  } catch {
    return s;
  }
}

export function rowMatches(table: TableDef | undefined, expected: Row, actual: Row): boolean {
  return Object.entries(expected).every(([k, v]) => k in actual && valuesMatch(table?.columns.find((c) => c.name === k), v, actual[k]));
}

/** Match expected rows to actual rows one to one (in sequence when `ordered`). */
export function compareTable(table: TableDef | undefined, name: string, expected: Row[], actual: Row[], ordered: boolean): TableDiff | undefined {
  const problems: string[] = [];
  for (const e of expected) {
    for (const k of Object.keys(e)) {
      if (table !== undefined && !table.columns.some((c) => c.name === k)) problems.push(`expected row names unknown column ${k}`);
    }
  }
  const unmatched = [...actual];
  // Positions in `expected` of the rows no actual row matched.
  const missingAt: number[] = [];
  if (ordered) {
    expected.forEach((e, i) => {
      const a = actual[i];
      if (a === undefined || !rowMatches(table, e, a)) missingAt.push(i);
      else unmatched.splice(unmatched.indexOf(a), 1);
    });
  } else {
    expected.forEach((e, i) => {
      const j = unmatched.findIndex((a) => rowMatches(table, e, a));
      if (j < 0) missingAt.push(i);
      else unmatched.splice(j, 1);
    });
  }
  const missing = missingAt.map((i) => expected[i] as Row);
  if (expected.length !== actual.length) problems.unshift(`expected ${expected.length} row(s), found ${actual.length}`);
  if (problems.length === 0 && missing.length === 0 && unmatched.length === 0) return undefined;
  const diff: TableDiff = { table: name, problems, missing, unexpected: unmatched };
  if (missing.length > 0 && actual.length > 0) {
    // Ordered: the row at the same position. Else the best of the rows no expected row took
    // (of all rows when every one was taken: the table holds fewer rows than expected).
    const pool = unmatched.length > 0 ? unmatched : actual;
    diff.closest = missingAt.map((i) => closestTo(table, expected[i] as Row, ordered ? actual.slice(i, i + 1) : pool));
  }
  return diff;
}

/** The row matching most of the expected columns (the first of equals), and where it differs. */
function closestTo(table: TableDef | undefined, expected: Row, rows: Row[]): Closest | undefined {
  let best: Row | undefined;
  let bestScore = -1;
  for (const a of rows) {
    const score = Object.entries(expected).filter(([k, v]) => k in a && valuesMatch(columnOf(table, k), v, a[k])).length;
    if (score > bestScore) [best, bestScore] = [a, score];
  }
  if (best === undefined) return undefined;
  const row = best;
  const columns = Object.entries(expected)
    .filter(([k, v]) => !(k in row) || !valuesMatch(columnOf(table, k), v, row[k]))
    .map(([column, v]) => ({ column, expected: v, found: column in row ? shown(columnOf(table, column), row[column]) : undefined }));
  const keyCols = table?.key.length ? table.key : Object.keys(row).slice(0, 1);
  return { key: keyCols.map((k) => `${k} ${String(row[k])}`).join(', '), columns };
}

/** A json column's stored text as the document it holds, so it reads like the fixture's value. */
function shown(col: ColumnDef | undefined, value: unknown): unknown {
  return col?.type === 'json' && typeof value === 'string' ? safeParse(value) : value;
}

function columnOf(table: TableDef | undefined, name: string): ColumnDef | undefined {
  return table?.columns.find((c) => c.name === name);
}
