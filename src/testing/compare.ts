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
  const missing: Row[] = [];
  if (ordered) {
    expected.forEach((e, i) => {
      const a = actual[i];
      if (a === undefined || !rowMatches(table, e, a)) missing.push(e);
      else unmatched.splice(unmatched.indexOf(a), 1);
    });
  } else {
    for (const e of expected) {
      const j = unmatched.findIndex((a) => rowMatches(table, e, a));
      if (j < 0) missing.push(e);
      else unmatched.splice(j, 1);
    }
  }
  if (expected.length !== actual.length) problems.unshift(`expected ${expected.length} row(s), found ${actual.length}`);
  if (problems.length === 0 && missing.length === 0 && unmatched.length === 0) return undefined;
  return { table: name, problems, missing, unexpected: unmatched };
}
