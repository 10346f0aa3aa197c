/**
 * A consumer group's routing table: topic → event type → the bound operations of every
 * projection of the group that reads that topic and handles that type.
 *
 * Default routes are per projection: a projection's `default` takes every message of its topics
 * that none of ITS type handlers takes (a type it does not name, no usable type, a value that is
 * not an object), whatever the other projections of the group do with it. A message is
 * unhandled only when no projection of the group takes it, by type or by default.
 */
import { PathSlots, type Extractor } from '../../compile/extract.js';
import { compilePath } from '../../compile/accessor.js';
import type { CompiledProjection, EnvelopePaths, Operation, Plan, TableDef } from '../../compile/plan.js';
import { bindOperation, type BoundOperation } from './bind.js';
import { keyFormat, valueFormat, type FetchHooks, type RegistryFormat, type SchemaSource } from './formats/index.js';
import { envelopeDecoder, envelopeReader, type DecodedEvent, type Decoder, type RawMessage } from './message.js';

/** The event type reported for what a default route does (errors, dead letters). */
export const DEFAULT_ROUTE = '(default)';
/** The event type reported for tombstones: what their operations do, and the skipped ones' count. */
export const TOMBSTONE_ROUTE = '(tombstone)';

export interface Handler {
  projection: string;
  ops: BoundOperation[];
  /** Every event path the ops read, in one call (their `paths` argument). */
  extract: Extractor;
  /** A default route: it also takes values that are not objects, and events without an id. */
  default?: boolean;
}

export interface GroupRoutes {
  group: string;
  topics: string[];
  projections: CompiledProjection[];
  envelope: EnvelopePaths;
  decode: Decoder;
  /** The envelope's entity of a decoded event (a path into its value, or its key or a header). */
  entityOf: (event: DecodedEvent) => unknown;
  /** The envelope's version of a decoded event (a path into its value, or its key or a header). */
  versionOf: (event: DecodedEvent) => unknown;
  /**
   * Handlers of a topic's event type (`undefined` type: an event without a usable type), in
   * the sequence of the plan's projections; undefined when none takes it, by type or by default.
   */
  route(topic: string, type: string | undefined): Handler[] | undefined;
  /** The `tombstone` operations of the topic's projections, in plan sequence; undefined when none has any. */
  tombstone(topic: string): Handler[] | undefined;
  /** Whether this group reads the message's topic (broken source lines go to every group's dead letters). */
  accepts(msg: RawMessage): boolean;
  /** Whether an unhandled type on this topic goes to the dead-letter sink (else it is skipped). */
  unhandledToDlq(topic: string): boolean;
  /**
   * Under a registry format: fetch the schemas the messages name that are not fetched yet, before
   * they are decoded (decoding stays synchronous). Undefined when the group reads none.
   */
  prefetch?: (messages: RawMessage[], hooks: FetchHooks) => Promise<void>;
}

interface TopicRoutes {
  byType: Map<string, Handler[]>;
  /** What takes a type no projection of the topic names, or no type: every default route. */
  other: Handler[] | undefined;
  tombstone: Handler[] | undefined;
}

/** `schemas`: where registry formats get their schemas (asked for only when the group reads one). */
export function groupRoutes(plan: Plan, group: string, schemas: () => SchemaSource = noRegistry): GroupRoutes {
  const projections = plan.projections.filter((p) => p.group === group);
  const first = projections[0];
  if (first === undefined) throw new Error(`no projection in group ${group}`);
  const tables = new Map<string, TableDef>(plan.tables.map((t) => [t.name, t]));
  const bind = (p: CompiledProjection, eventType: string, ops: Operation[], isDefault: boolean): Handler => {
    const slots = new PathSlots();
    const bound = ops.map((op) => bindOperation(op, tables, p.envelope, { projection: p.name, eventType }, slots));
    return { projection: p.name, ops: bound, extract: slots.extractor(), default: isDefault };
  };
  const readers = new Map<string, CompiledProjection[]>();
  const dlqTopics = new Set<string>();
  for (const p of projections) {
    for (const topic of p.topics) {
      if (p.unhandled === 'dlq') dlqTopics.add(topic);
      readers.set(topic, [...(readers.get(topic) ?? []), p]);
    }
  }
  const byTopic = new Map<string, TopicRoutes>();
  for (const [topic, ps] of readers) {
    const typed = new Map(ps.map((p) => [p, new Map(Object.entries(p.handlers).map(([type, ops]) => [type, bind(p, type, ops, false)]))]));
    const defaults = new Map(ps.flatMap((p) => (p.default === undefined ? [] : [[p, bind(p, DEFAULT_ROUTE, p.default, true)] as const])));
    const types = new Set(ps.flatMap((p) => Object.keys(p.handlers)));
    const byType = new Map<string, Handler[]>();
    for (const type of types) {
      byType.set(type, ps.flatMap((p) => typed.get(p)?.get(type) ?? defaults.get(p) ?? []));
    }
    // Bound as a default route: a tombstone has no event id, which only default routes take.
    const tombstone = ps.flatMap((p) => (p.tombstone === undefined ? [] : [bind(p, TOMBSTONE_ROUTE, p.tombstone, true)]));
    byTopic.set(topic, { byType, other: defaults.size > 0 ? [...defaults.values()] : undefined, tombstone: tombstone.length > 0 ? tombstone : undefined });
  }
  // Validation requires one envelope per group: the group's event ids must mean one thing.
  const envelope = first.envelope;
  // Validation requires one key and one value format per group too (the decoder is the group's).
  const key = keyFormat(first.keyFormat ?? 'string', schemas);
  const value = valueFormat(first.valueFormat ?? 'json', schemas);
  return {
    group,
    topics: [...byTopic.keys()].sort(),
    projections,
    envelope,
    decode: envelopeDecoder(envelope, key, value),
    entityOf: entityReader(envelope.entity),
    versionOf: entityReader(envelope.version),
    route: (topic, type) => {
      const t = byTopic.get(topic);
      if (t === undefined) return undefined;
      return (type === undefined ? undefined : t.byType.get(type)) ?? t.other;
    },
    tombstone: (topic) => byTopic.get(topic)?.tombstone,
    accepts: (msg) => msg.invalid !== undefined || byTopic.has(msg.topic),
    unhandledToDlq: (topic) => dlqTopics.has(topic),
    ...prefetcher(schemas, 'schemaId' in key ? key : undefined, value),
  };
}

function noRegistry(): SchemaSource {
  throw new Error('a registry format (avro) needs a schema registry: set SCHEMA_REGISTRY_URL, or give the schemas as files (--schemas DIR)');
}

/** The group's prefetch: the ids its messages' keys and values name that are not fetched yet. */
function prefetcher(schemas: () => SchemaSource, key: RegistryFormat | undefined, value: RegistryFormat | undefined): Pick<GroupRoutes, 'prefetch'> {
  if (key === undefined && value === undefined) return {};
  const source = schemas();
  return {
    prefetch: async (messages, hooks) => {
      const ids = new Set<number>();
      const need = (id: number | undefined): void => {
        if (id !== undefined && (source.lookup(id) === undefined || source.stale?.(id) === true)) ids.add(id);
      };
      for (const m of messages) {
        if (key !== undefined && m.key !== null) need(key.schemaId(m.key));
        if (value !== undefined && m.value !== null) need(value.schemaId(m.value));
      }
      if (ids.size > 0) await source.fetch([...ids], hooks);
    },
  };
}

/** An envelope field of a decoded event: its value, key or headers. */
function entityReader(text: string): (event: DecodedEvent) => unknown {
  const read = envelopeReader(text);
  return (e) => read(e.value, e.msg, e.key);
}
