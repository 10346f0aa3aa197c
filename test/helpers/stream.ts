/**
 * A deterministic event stream for the integration tests' projection (test/integration/fixtures/
 * flow.yaml): N "things" with thing.created and lifecycle events (entity_version 1, 2, 3, ...)
 * keyed by the thing's id, and "marks" on another topic whose events move counters (Δ) on the
 * thing they point at. On top: duplicates (the same event_id again, next to the original and far
 * from it), stale events (a new event_id with an old entity_version), orphans (lifecycle events of
 * things never created), stub targets (marks on things never created), event types no handler
 * takes, and, on request, bad messages.
 *
 * Every message carries its key and the partition the default (Java-compatible murmur2)
 * partitioner gives that key, so a test knows the partition and offset of each message it
 * produces to a fresh topic.
 */
import { Partitioners } from 'kafkajs';
import { rng } from './rng.js';

export interface Envelope {
  event_type: string;
  event_id: string;
  timestamp: string;
  entity_id: string;
  entity_version: number;
  data: Record<string, unknown>;
}

/**
 * What the engine should do with a message:
 * - event: a good event (maybe a duplicate or stale; the model decides what it changes);
 * - unhandled: a good envelope of a type no handler takes (skipped and counted);
 * - bad: not an event at all (dead-lettered by the decoder);
 * - rejected: a good event the database refuses (a value too long for its column; dead-lettered).
 */
export type MessageKind = 'event' | 'unhandled' | 'bad' | 'rejected';

export interface StreamMessage {
  topic: string;
  key: string;
  value: Buffer | null;
  partition: number;
  kind: MessageKind;
  /** The envelope of event, unhandled and rejected messages. */
  event?: Envelope;
  /** For bad and rejected messages: which kind of badness (see BAD_KINDS). */
  bad?: BadKind;
  /** Whether this message repeats an earlier message's event_id. */
  duplicate?: boolean;
}

export interface StreamOptions {
  seed: number;
  topics: { things: string; marks: string };
  partitions?: number;
  /** Things with a thing.created event. */
  things: number;
  /** Lifecycle events per thing: 0 to this many. */
  maxLifecycle?: number;
  /** Things that only have lifecycle events (never created): they must leave no row. */
  orphans?: number;
  /** Marks (each mark.added; about a third also mark.removed). */
  marks: number;
  /** Thing ids that only marks point at: they become stub rows holding counters. */
  stubTargets?: number;
  /** Fraction of events sent twice with the same event_id (half adjacent, half far apart). */
  duplicateRate?: number;
  /** Fraction of created things that also get a stale event (new event_id, old version). */
  staleRate?: number;
  /** Events of a type no handler takes. */
  unhandled?: number;
  /** Bad messages, spread over the things topic (each keyed like a thing, so good events follow it on its partition). */
  bad?: BadKind[];
  /** Prefix of event ids (unique per stream keeps runs apart in a shared database). */
  idPrefix?: string;
}

export const BAD_KINDS = [
  'truncated-json', 'garbage-bytes', 'json-array', 'json-string', 'no-event-type', 'no-event-id', 'empty-value',
  'too-long-insert', 'too-long-update', 'decimal-out-of-range', 'duplicate-unique',
] as const;
export type BadKind = (typeof BAD_KINDS)[number];

/** Bad kinds the decoder catches (the rest are good envelopes whose values do not fit the table). */
export const UNDECODABLE: ReadonlySet<BadKind> = new Set(['truncated-json', 'garbage-bytes', 'json-array', 'json-string', 'no-event-type', 'no-event-id', 'empty-value']);


const NAMES = ['Zoë', "O'Brien", 'Núñez', '🚀 rocket', 'café ☕', 'plain', 'l’été', '𝄞 clef', 'Ünïcödé', 'x'];
const STATUSES = ['new', 'draft', 'pending'];
const REASONS = ['expired', "owner's request", 'duplicate 😅', null];
const BASE_MS = Date.UTC(2026, 0, 5, 8, 0, 0);

/** The partition the producer's default partitioner picks for a key. */
export function partitionOf(topic: string, key: string, partitions: number): number {
  const partitioner = Partitioners.DefaultPartitioner();
  const partitionMetadata = Array.from({ length: partitions }, (_, i) => ({ partitionId: i, leader: 0, partitionErrorCode: 0, replicas: [0], isr: [0] }));
  return partitioner({ topic, partitionMetadata, message: { key, value: null } });
}

export function generateStream(o: StreamOptions): StreamMessage[] {
  const rand = rng(o.seed);
  const int = (n: number) => Math.floor(rand() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)] as T;
  const partitions = o.partitions ?? 3;
  const prefix = o.idPrefix ?? `s${o.seed}`;
  let eventNo = 0;
  let clock = 0;
  const nextId = () => `${prefix}-e${(eventNo++).toString(36)}`;
  // A timestamp that grows through the stream; some in +02:00 (stored as UTC).
  const stamp = (): string => {
    clock += 1 + int(900);
    const t = new Date(BASE_MS + clock * 37);
    if (int(5) === 0) {
      const local = new Date(t.getTime() + 2 * 3_600_000).toISOString().replace('Z', '+02:00');
      return local;
    }
    return t.toISOString();
  };
  const envelope = (type: string, entity: string, version: number, data: Record<string, unknown>): Envelope => ({
    event_type: type, event_id: nextId(), timestamp: stamp(), entity_id: entity, entity_version: version, data,
  });

  // Per-entity queues (events of one entity keep their sequence on one partition).
  const queues: Array<{ topic: string; key: string; items: Array<Omit<StreamMessage, 'partition'>> }> = [];
  const thingIds: string[] = [];
  for (let i = 0; i < o.things; i++) {
    const id = `t${i}`;
    thingIds.push(id);
    const items: Array<Omit<StreamMessage, 'partition'>> = [];
    const ev = (e: Envelope, kind: MessageKind = 'event') => items.push({ topic: o.topics.things, key: id, value: json(e), kind, event: e });
    let v = 1;
    const tags = Array.from({ length: int(4) }, (_, k) => ({ label: `${pick(NAMES)} ${k}`, weight: int(100) - 20 }));
    ev(envelope('thing.created', id, v, {
      slug: `s-${id}`, name: `${pick(NAMES)} #${i}`, status: pick(STATUSES), owner_id: `o${int(50)}`, tags,
      profile: { bio: `${pick(NAMES)} — ${i}`, links: [int(10), { deep: pick(NAMES) }], vip: int(2) === 0, score: int(1000) / 10 },
      created_at: new Date(BASE_MS - int(86_400_000)).toISOString(),
    }));
    const lifecycle = int((o.maxLifecycle ?? 4) + 1);
    for (let k = 0; k < lifecycle; k++) ev(lifecycleEvent(++v));
    if (o.staleRate !== undefined && rand() < o.staleRate && v >= 2) {
      // A producer replaying an old version under a new event id: logged, but the row must not move back.
      ev(envelope('thing.renamed', id, 1 + int(v), { name: `STALE ${i}` }));
    }
    queues.push({ topic: o.topics.things, key: id, items });

    function lifecycleEvent(version: number): Envelope {
      switch (int(4)) {
        case 0: return envelope('thing.renamed', id, version, { name: `${pick(NAMES)} v${version}` });
        case 1: return envelope('thing.scored', id, version, { score: int(10_000) - 500, rating: int(1_000_000) / 100 });
        case 2: return envelope('thing.activated', id, version, int(2) === 0 ? { featured: true } : {});
        default: return envelope('thing.archived', id, version, { reason: pick(REASONS) });
      }
    }
  }
  for (let i = 0; i < (o.orphans ?? 0); i++) {
    const id = `orphan${i}`;
    const items: Array<Omit<StreamMessage, 'partition'>> = [];
    for (let v = 2; v < 2 + 1 + int(3); v++) {
      const e = envelope(v % 2 === 0 ? 'thing.renamed' : 'thing.archived', id, v, v % 2 === 0 ? { name: `ghost ${i}` } : { reason: 'gone' });
      items.push({ topic: o.topics.things, key: id, value: json(e), kind: 'event', event: e });
    }
    queues.push({ topic: o.topics.things, key: id, items });
  }
  const stubIds = Array.from({ length: o.stubTargets ?? 0 }, (_, i) => `stub${i}`);
  const targets = [...thingIds, ...stubIds];
  for (let i = 0; i < o.marks && targets.length > 0; i++) {
    const id = `m${i}`;
    const thing = pick(targets);
    const weight = int(50) + 1;
    const items: Array<Omit<StreamMessage, 'partition'>> = [];
    const added = envelope('mark.added', id, 1, { thing_id: thing, weight });
    items.push({ topic: o.topics.marks, key: id, value: json(added), kind: 'event', event: added });
    if (int(3) === 0) {
      const removed = envelope('mark.removed', id, 2, { thing_id: thing, weight });
      items.push({ topic: o.topics.marks, key: id, value: json(removed), kind: 'event', event: removed });
    }
    queues.push({ topic: o.topics.marks, key: id, items });
  }
  for (let i = 0; i < (o.unhandled ?? 0); i++) {
    const id = pick(thingIds.length > 0 ? thingIds : ['t0']);
    const e = envelope('thing.viewed', id, 0, { viewer: `v${i}` });
    queues.push({ topic: o.topics.things, key: id, items: [{ topic: o.topics.things, key: id, value: json(e), kind: 'unhandled', event: e }] });
  }

  // Interleave the queues at random, keeping each queue's own sequence.
  const out: Array<Omit<StreamMessage, 'partition'>> = [];
  const live = queues.filter((q) => q.items.length > 0).map((q) => ({ ...q, next: 0 }));
  while (live.length > 0) {
    const qi = int(live.length);
    const q = live[qi] as (typeof live)[number];
    out.push(q.items[q.next++] as Omit<StreamMessage, 'partition'>);
    if (q.next >= q.items.length) live.splice(qi, 1);
  }

  // Bad messages: each keyed like a thing (so that thing's later events follow it on its partition).
  for (const [n, kind] of (o.bad ?? []).entries()) {
    const at = Math.floor(((n + 1) * out.length) / ((o.bad ?? []).length + 2));
    out.splice(at, 0, kind === 'duplicate-unique' ? duplicateSlug(at) : badMessage(kind, n));
  }

  // Duplicates: the same message (same key, so same partition) again, right after it or far later.
  const rate = o.duplicateRate ?? 0;
  if (rate > 0) {
    const originals = out.filter((m) => m.kind === 'event');
    const count = Math.round(originals.length * rate);
    const chosen = new Set<Omit<StreamMessage, 'partition'>>();
    while (chosen.size < count) chosen.add(originals[int(originals.length)] as Omit<StreamMessage, 'partition'>);
    for (const m of chosen) {
      const i = out.indexOf(m);
      const far = int(2) === 0;
      const at = far ? Math.min(out.length, i + 1 + Math.floor(out.length / 4) + int(Math.floor(out.length / 2))) : i + 1;
      out.splice(at, 0, { ...m, duplicate: true });
    }
  }
  return out.map((m) => ({ ...m, partition: partitionOf(m.topic, m.key, partitions) }));

  /**
   * thing B takes thing A's slug (a UNIQUE column): only the database can see the conflict. A and
   * B share a partition and were both created before this message, so the conflict is certain.
   */
  function duplicateSlug(at: number): Omit<StreamMessage, 'partition'> {
    const created = new Map<number, string[]>();
    for (const m of out.slice(0, at)) {
      if (m.event?.event_type !== 'thing.created') continue;
      const p = partitionOf(m.topic, m.key, partitions);
      created.set(p, [...(created.get(p) ?? []), m.key]);
    }
    const pair = [...created.values()].find((ids) => ids.length >= 2);
    if (pair === undefined) throw new Error('duplicate-unique: no two things created on one partition before this point');
    const [a, b] = pair as [string, string];
    const e = envelope('thing.slugged', b, 1_000_000, { slug: `s-${a}` });
    return { topic: o.topics.things, key: b, value: json(e), kind: 'rejected', bad: 'duplicate-unique', event: e };
  }

  function badMessage(kind: BadKind, n: number): Omit<StreamMessage, 'partition'> {
    const key = thingIds[(n * 7) % Math.max(1, thingIds.length)] ?? 't0';
    const raw = (value: Buffer | null): Omit<StreamMessage, 'partition'> => ({ topic: o.topics.things, key, value, kind: 'bad', bad: kind });
    switch (kind) {
      case 'truncated-json': return raw(Buffer.from(json(envelope('thing.renamed', key, 99, { name: 'cut' })).subarray(0, 40)));
      case 'garbage-bytes': return raw(Buffer.from([0xff, 0xfe, 0x00, 0x01, 0x80, 0x9f, 0xc3, 0x28, 0x7b, 0x22]));
      case 'json-array': return raw(Buffer.from('[{"event_type":"thing.renamed","event_id":"x"}]'));
      case 'json-string': return raw(Buffer.from('"thing.renamed"'));
      case 'no-event-type': { const { event_type: _t, ...rest } = envelope('thing.renamed', key, 99, { name: 'no type' }); return raw(jsonOf(rest)); }
      case 'no-event-id': { const { event_id: _i, ...rest } = envelope('thing.renamed', key, 99, { name: 'no id' }); return raw(jsonOf(rest)); }
      case 'empty-value': return raw(Buffer.alloc(0)); // no bytes; a null value is a tombstone (issue 22), skipped and counted
      case 'too-long-insert': {
        // thing_id of its own: the refused created event leaves no row, and nothing follows it.
        const e = envelope('thing.created', `long${n}`, 1, { name: 'N'.repeat(200), status: 'new', owner_id: 'o1', tags: [{ label: 'a', weight: 1 }], profile: {}, created_at: new Date(BASE_MS).toISOString() });
        return { topic: o.topics.things, key: `long${n}`, value: json(e), kind: 'rejected', bad: kind, event: e };
      }
      case 'too-long-update': {
        // A version far above the thing's own: if it were applied, the guard would then block every later event.
        const e = envelope('thing.renamed', key, 1_000_000, { name: `${'L'.repeat(100)}` });
        return { topic: o.topics.things, key, value: json(e), kind: 'rejected', bad: kind, event: e };
      }
      case 'duplicate-unique': throw new Error('made by duplicateSlug');
      case 'decimal-out-of-range': {
        // rating is DECIMAL(6,2): the engine does not check precision, MariaDB refuses the row (strict mode).
        const e = envelope('thing.scored', key, 1_000_000, { score: 1, rating: 12_345_678.5 });
        return { topic: o.topics.things, key, value: json(e), kind: 'rejected', bad: kind, event: e };
      }
    }
  }
}

function json(e: Envelope): Buffer {
  return Buffer.from(JSON.stringify(e), 'utf8');
}

function jsonOf(v: unknown): Buffer {
  return Buffer.from(JSON.stringify(v), 'utf8');
}

/** The offset each message gets when produced in sequence to fresh topics. */
export function withOffsets(messages: StreamMessage[]): Array<StreamMessage & { offset: number }> {
  const next = new Map<string, number>();
  return messages.map((m) => {
    const k = `${m.topic}/${m.partition}`;
    const offset = next.get(k) ?? 0;
    next.set(k, offset + 1);
    return { ...m, offset };
  });
}

/** The stream as NDJSON for `sc-project run --from` ({"topic","key","value"} or value_raw a line). */
export function toNdjson(messages: StreamMessage[]): string {
  return messages.map((m) => {
    if (m.value === null) return JSON.stringify({ topic: m.topic, key: m.key, value: null });
    if (m.event !== undefined) return JSON.stringify({ topic: m.topic, key: m.key, value: JSON.parse(m.value.toString('utf8')) as unknown });
    const text = m.value.toString('utf8');
    if (!Buffer.from(text, 'utf8').equals(m.value)) throw new Error(`message ${m.bad ?? ''} has bytes NDJSON cannot carry`);
    return JSON.stringify({ topic: m.topic, key: m.key, value_raw: text });
  }).join('\n') + '\n';
}

export interface StreamCounts {
  total: number;
  /** Repeats of an earlier event_id. */
  duplicate: number;
  /** First copies of good events. */
  event: number;
  unhandled: number;
  bad: number;
  rejected: number;
}

export function summarize(messages: StreamMessage[]): StreamCounts {
  const s: StreamCounts = { total: messages.length, duplicate: 0, event: 0, unhandled: 0, bad: 0, rejected: 0 };
  for (const m of messages) s[m.duplicate ? 'duplicate' : m.kind]++;
  return s;
}
