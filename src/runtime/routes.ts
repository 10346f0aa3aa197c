/**
 * A consumer group's routing table: topic → event type → the bound operations of every
 * projection of the group that reads that topic and handles that type.
 */
import { PathSlots, type Extractor } from '../compile/extract.js';
import { compilePath } from '../compile/accessor.js';
import type { CompiledProjection, EnvelopePaths, Plan, TableDef } from '../compile/plan.js';
import { bindOperation, type BoundOperation } from './bind.js';
import { envelopeDecoder, type Decoder, type RawMessage } from './message.js';

export interface Handler {
  projection: string;
  ops: BoundOperation[];
  /** Every event path the ops read, in one call (their `paths` argument). */
  extract: Extractor;
}

export interface GroupRoutes {
  group: string;
  topics: string[];
  projections: CompiledProjection[];
  envelope: EnvelopePaths;
  decode: Decoder;
  entityOf: (event: unknown) => unknown;
  versionOf: (event: unknown) => unknown;
  /** Handlers of a topic's event type; undefined when none handles it. */
  route(topic: string, type: string): Handler[] | undefined;
  /** Whether this group reads the message's topic (broken source lines go to every group's dead letters). */
  accepts(msg: RawMessage): boolean;
  /** Whether an unhandled type on this topic goes to the dead-letter sink (else it is skipped). */
  unhandledToDlq(topic: string): boolean;
}

export function groupRoutes(plan: Plan, group: string): GroupRoutes {
  const projections = plan.projections.filter((p) => p.group === group);
  const first = projections[0];
  if (first === undefined) throw new Error(`no projection in group ${group}`);
  const tables = new Map<string, TableDef>(plan.tables.map((t) => [t.name, t]));
  const byTopic = new Map<string, Map<string, Handler[]>>();
  const dlqTopics = new Set<string>();
  for (const p of projections) {
    for (const topic of p.topics) {
      if (p.unhandled === 'dlq') dlqTopics.add(topic);
      const types = byTopic.get(topic) ?? new Map<string, Handler[]>();
      byTopic.set(topic, types);
      for (const [type, ops] of Object.entries(p.handlers)) {
        const slots = new PathSlots();
        const bound = ops.map((op) => bindOperation(op, tables, p.envelope, { projection: p.name, eventType: type }, slots));
        const handler: Handler = { projection: p.name, ops: bound, extract: slots.extractor() };
        types.set(type, [...(types.get(type) ?? []), handler]);
      }
    }
  }
  // Validation requires one envelope per group: the group's event ids must mean one thing.
  const envelope = first.envelope;
  return {
    group,
    topics: [...byTopic.keys()].sort(),
    projections,
    envelope,
    decode: envelopeDecoder(envelope),
    entityOf: compilePath(envelope.entity).get,
    versionOf: compilePath(envelope.version).get,
    route: (topic, type) => byTopic.get(topic)?.get(type),
    accepts: (msg) => msg.invalid !== undefined || byTopic.has(msg.topic),
    unhandledToDlq: (topic) => dlqTopics.has(topic),
  };
}
