/**
 * Fold a batch's row changes into as few statements as correct sequencing allows. Changes to
 * one row must run in event sequence; changes to different rows commute. So each change goes to
 * the first round after the last round that touched one of its rows, and within a round the
 * changes of one shape become one multi-row statement. Pure: no database here.
 */
import { identities, type RowChange } from '../runtime/rows.js';

export interface StatementGroup {
  shape: string;
  rows: RowChange[];
}

export type Round = StatementGroup[];

export function fold(rows: readonly RowChange[]): Round[] {
  const lastRound = new Map<string, number>();
  const rounds: Array<Map<string, StatementGroup>> = [];
  for (const row of rows) {
    const ids = identities(row);
    let round = 0;
    for (const id of ids) {
      const last = lastRound.get(id);
      if (last !== undefined && last + 1 > round) round = last + 1;
    }
    for (const id of ids) lastRound.set(id, round);
    let groups = rounds[round];
    if (groups === undefined) {
      groups = new Map();
      rounds[round] = groups;
    }
    const group = groups.get(row.shape);
    if (group === undefined) groups.set(row.shape, { shape: row.shape, rows: [row] });
    else group.rows.push(row);
  }
  return rounds.map((groups) => [...groups.values()]);
}

/** Split a group into chunks of at most `size` rows (statement size stays bounded). */
export function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
