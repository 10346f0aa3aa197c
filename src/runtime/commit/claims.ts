/**
 * Event-id claims: inside a unit's transaction, before any row is written, the ids of its events
 * are recorded as processed, and the events whose ids were recorded before (by an earlier batch,
 * a crashed run, another member during a rebalance) are dropped. This is what makes a replay
 * change nothing: the claim and the rows commit or roll back together.
 */
import { chunks } from '../../sql/fold.js';
import type { ProcessedRow } from '../../sql/engine-sql.js';
import type { Sink, Tx } from '../sinks/sink.js';
import type { GroupRoutes } from '../apply/routes.js';
import type { DecodedEvent } from '../apply/message.js';
import { ExactNumber } from '../../compile/exact-number.js';
import { isDuplicateKey } from './retry.js';

/** Ids (and dead-letter rows) per statement: far below any placeholder or packet limit. */
export const ID_CHUNK = 1000;

type WithId<P> = P & { event: { id: string } };

/**
 * Record the events' ids as processed; the events whose ids were not recorded before, in
 * sequence. Events without an id claim nothing: the positions written in this same
 * transaction are what keeps them from being applied twice.
 */
export async function claimIds<P extends { event: DecodedEvent }>(tx: Tx, sink: Pick<Sink, 'returning' | 'engine'>, routes: Pick<GroupRoutes, 'group' | 'entityOf' | 'versionOf'>, all: P[], at: string): Promise<P[]> {
  const events = all.filter((p): p is WithId<P> => p.event.id !== undefined);
  if (events.length === 0) return all;
  if (sink.returning) {
    const claimed = new Set<string>();
    for (const part of chunks(events, ID_CHUNK)) {
      for (const r of await tx.query(sink.engine.claimProcessed(part.map((p) => processedRow(routes, p, at))))) claimed.add(String(r.event_id));
    }
    return all.filter((p) => p.event.id === undefined || claimed.has(p.event.id));
  }
  const done = new Set<string>();
  for (const ids of chunks(events.map((p) => p.event.id), ID_CHUNK)) {
    for (const r of await tx.query(sink.engine.selectProcessed(routes.group, ids))) done.add(String(r.event_id));
  }
  const fresh = events.filter((p) => !done.has(p.event.id));
  // Claim the event ids first: a concurrent consumer of the same events blocks here and then
  // fails on the duplicate key, instead of applying the effects a second time.
  for (const part of chunks(fresh, ID_CHUNK)) {
    try {
      await tx.exec(sink.engine.insertProcessed(part.map((p) => processedRow(routes, p, at))));
    } catch (e) {
      throw isDuplicateKey(e) ? Object.assign(new Error(`event ids claimed concurrently by another consumer of group ${routes.group}`), { code: 'SC_CLAIM_CONFLICT' }) : e;
    }
  }
  if (fresh.length === all.length) return all;
  const kept = new Set<P>(fresh);
  return all.filter((p) => p.event.id === undefined || kept.has(p));
}

/** The processed-events row of an event: its id, and its entity, version and type for operators. */
export function processedRow(routes: Pick<GroupRoutes, 'group' | 'entityOf' | 'versionOf'>, p: { event: DecodedEvent & { id: string } }, at: string): ProcessedRow {
  const entity = routes.entityOf(p.event);
  // Only scalars have a text: String() of an object like {"toString": 1} throws, and any other
  // object would be recorded as "[object Object]".
  const version = routes.versionOf(p.event);
  return {
    group: routes.group,
    eventId: p.event.id,
    // An exact number (a JSON key's id past 2^53) as written; its String() is that text.
    entityId: typeof entity === 'string' || typeof entity === 'number' || entity instanceof ExactNumber ? String(entity).slice(0, 255) : null,
    entityVersion: versionNumber(version),
    // An event a default route took may have no type; the column is NOT NULL.
    eventType: (p.event.type ?? '').slice(0, 128),
    at,
  };
}

/** The version as the guard reads it (bind.ts): a safe integer, or digits (a header's text). */
function versionNumber(v: unknown): number | null {
  if (typeof v === 'number') return Number.isSafeInteger(v) ? v : null;
  if (typeof v === 'string' && /^\d{1,15}$/u.test(v)) return Number(v);
  return null;
}
