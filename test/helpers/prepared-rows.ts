/**
 * A batch of messages through a group's routes to row changes, as the engine prepares them: the
 * schemas it names fetched first (routes.prefetch), then each event's first row as column → value,
 * and the dead letters' reasons. For unit tests of decoding (registry formats) without a database.
 */
import type { RawMessage } from '../../src/runtime/apply/message.js';
import { EventPreparer } from '../../src/runtime/apply/prepare.js';
import type { GroupRoutes } from '../../src/runtime/apply/routes.js';
import { silentLogger } from '../../src/runtime/ops/log.js';
import type { InsertRow } from '../../src/sql/rows.js';

export async function preparedRows(routes: GroupRoutes, messages: RawMessage[]): Promise<{ rows: Array<Record<string, unknown>>; reasons: string[] }> {
  await routes.prefetch?.(messages, {});
  const unit = new EventPreparer({ routes, letterGroup: 'g', effects: [], maxStatementBytes: undefined, log: silentLogger }).prepare(messages, undefined);
  const rows = unit.events.map((e) => {
    const r = e.rows[0] as InsertRow;
    return Object.fromEntries(r.columns.map((c, i) => [c, r.values[i]]));
  });
  return { rows, reasons: unit.letters.map((l) => l.reason) };
}
