/**
 * Rules of routing: a projection has handlers by type, a default route or both; `on` keys are
 * literal types (a `*` key would never match, so it is refused); what needs an event id (a log
 * table) is refused where messages may have none.
 */
import type { Diagnostic } from '../diagnostics.js';
import { NO_ID } from '../compile/plan.js';
import { diagnosticAt, type Segment } from '../spec/locate.js';
import type { SpecDocument } from '../spec/load.js';
import type { OperationSpec, ProjectionSpec } from '../spec/types.js';
import { isBroken, originalIndex } from './prune.js';

/** Every operation of a projection with its location: its `on` handlers, then its default route. */
export function operationsOf(spec: ProjectionSpec): Array<{ path: Segment[]; op: OperationSpec; eventType: string | null }> {
  return [
    ...Object.entries(spec.on ?? {}).flatMap(([eventType, ops]) => ops.map((op, i) => ({ path: ['on', eventType, originalIndex(ops, i)], op, eventType }))),
    ...(spec.default ?? []).map((op, i, ops) => ({ path: ['default', originalIndex(ops, i)], op, eventType: null })),
    ...(spec.tombstone ?? []).map((op, i, ops) => ({ path: ['tombstone', originalIndex(ops, i)], op, eventType: null })),
  ];
}

export function checkRoutes(doc: SpecDocument, spec: ProjectionSpec, out: Diagnostic[]): void {
  // A key the schema rejected was cut (prune.ts): it was there, and its own error says what is wrong.
  if (spec.on === undefined && spec.default === undefined && !isBroken(doc, ['on']) && !isBroken(doc, ['default'])) {
    out.push(diagnosticAt(doc, [], 'E_REQUIRED', 'a projection needs on (handlers by event type), default (a default route for every message no handler takes), or both'));
  }
  for (const type of Object.keys(spec.on ?? {})) {
    if (type === '*') {
      out.push(diagnosticAt(doc, ['on', type], 'E_WILDCARD_TYPE', '"*" under on would be a literal event type named *: for every message no handler takes, write default: [operations] beside on', 'key'));
    } else if (type.toLowerCase() === 'default') {
      out.push(diagnosticAt(doc, ['on', type], 'E_WILDCARD_TYPE', `on.${type} handles the event type "${type}" only; a default route is written default: [operations] beside on`, 'key', 'warning'));
    }
  }
  const noIds = spec.envelope?.id === NO_ID;
  for (const { path, op, eventType } of operationsOf(spec)) {
    if (!('log' in op)) continue;
    if (path[0] === 'tombstone') {
      out.push(diagnosticAt(doc, [...path, 'log'], 'E_LOG_WITHOUT_ID', 'a tombstone has no event id or type, which a log table records: insert into a table keyed by $key, or by $source.topic, $source.partition and $source.offset'));
    } else if (eventType === null) {
      out.push(diagnosticAt(doc, [...path, 'log'], 'E_LOG_WITHOUT_ID', 'a default route takes messages that may have no event type or id, and a log table records both: insert into a table keyed by $source.topic, $source.partition and $source.offset instead'));
    } else if (noIds) {
      out.push(diagnosticAt(doc, [...path, 'log'], 'E_LOG_WITHOUT_ID', 'the envelope says id: none, and a log table records each event\'s id: insert into a table keyed by $source.topic, $source.partition and $source.offset instead'));
    }
  }
}
