/**
 * The expected final tables of test/integration/fixtures/flow.yaml for a stream, computed in
 * memory and independently of the engine: events de-duplicated by event_id (the first copy
 * counts), things version-guarded (an event applies only when its entity_version is greater
 * than the row's), Δ counters summed, thing_tags insert-or-ignore, one log row per event.
 *
 * Only per-entity order matters to the result (Δ counters commute, a stub is filled the same
 * whether it came before or after thing.created), so the model is valid for any interleaving of
 * partitions, which is what Kafka guarantees.
 *
 * Values are normalized the way tables.ts reads them back: numbers as decimal strings, booleans
 * as '1'/'0', datetimes as 'YYYY-MM-DD HH:MM:SS.mmm' UTC, JSON as canonical text.
 */
import type { Envelope, StreamMessage } from './stream.js';

export type Value = string | null;
export type Row = Record<string, Value>;
export type Tables = Record<string, Row[]>;

/** Every table of the spec with its key (rows are sorted by it). */
export const TABLE_KEYS: Record<string, string[]> = {
  things: ['thing_id'],
  thing_tags: ['thing_id', 'line_no'],
  thing_events: ['event_id'],
  marks: ['mark_id'],
};

/** Columns holding JSON documents (compared as canonical JSON). */
export const JSON_COLUMNS = new Set(['things.profile', 'thing_events.event_data']);

/** DECIMAL columns: MariaDB returns '12.30', SQLite 12.3; compared as the shortest decimal text. */
export const DECIMAL_COLUMNS = new Set(['things.rating']);

export function decimal(v: unknown): string {
  return String(Number(v));
}

export function expectedTables(messages: readonly StreamMessage[]): Tables {
  const things = new Map<string, Row>();
  const tags = new Map<string, Row>();
  const log = new Map<string, Row>();
  const marks = new Map<string, Row>();
  const seen = new Set<string>();

  for (const m of messages) {
    if (m.kind !== 'event' || m.event === undefined) continue;
    const e = m.event;
    if (seen.has(e.event_id)) continue;
    seen.add(e.event_id);
    apply(e);
  }
  return sortTables({
    things: [...things.values()],
    thing_tags: [...tags.values()],
    thing_events: [...log.values()],
    marks: [...marks.values()],
  });

  function apply(e: Envelope): void {
    const d = e.data;
    const guarded = (set: Row) => {
      const row = things.get(e.entity_id);
      if (row === undefined || Number(row.entity_version) >= e.entity_version) return;
      Object.assign(row, set, { entity_version: num(e.entity_version) });
    };
    const logIt = () => {
      if (!log.has(e.event_id)) {
        log.set(e.event_id, {
          event_id: e.event_id, event_type: e.event_type, event_timestamp: datetime(e.timestamp), event_data: canonicalJson(d), thing_id: e.entity_id,
        });
      }
    };
    switch (e.event_type) {
      case 'thing.created': {
        const list = Array.isArray(d.tags) ? (d.tags as Array<Record<string, unknown>>) : [];
        const fill: Row = {
          slug: str(d.slug), name: str(d.name), status: str(d.status), owner_id: str(d.owner_id), tag_count: num(list.length),
          profile: d.profile === undefined || d.profile === null ? null : canonicalJson(d.profile), created_at: datetime(d.created_at),
        };
        const row = things.get(e.entity_id);
        if (row === undefined) things.set(e.entity_id, { ...blankThing(e.entity_id), ...fill, entity_version: num(e.entity_version) });
        else if (Number(row.entity_version) < e.entity_version) Object.assign(row, fill, { entity_version: num(e.entity_version) });
        list.forEach((item, i) => {
          const k = `${e.entity_id}\u0000${i}`;
          if (!tags.has(k)) tags.set(k, { thing_id: e.entity_id, line_no: num(i), label: str(item.label), weight: num(item.weight) });
        });
        logIt();
        return;
      }
      case 'thing.renamed': guarded({ name: str(d.name) }); logIt(); return;
      case 'thing.slugged': guarded({ slug: str(d.slug) }); logIt(); return;
      case 'thing.scored': guarded({ score: num(d.score), rating: d.rating === undefined || d.rating === null ? null : decimal(d.rating) }); logIt(); return;
      case 'thing.activated': guarded({ status: 'active', featured: d.featured === true ? '1' : '0' }); logIt(); return;
      case 'thing.archived': guarded({ status: 'archived', archived_at: datetime(e.timestamp), archive_reason: str(d.reason) }); logIt(); return;
      case 'mark.added': {
        if (!marks.has(e.entity_id)) {
          marks.set(e.entity_id, { mark_id: e.entity_id, thing_id: str(d.thing_id), weight: num(d.weight), status: 'added', added_at: datetime(e.timestamp), removed_at: null });
        }
        count(String(d.thing_id), 1, Number(d.weight));
        return;
      }
      case 'mark.removed': {
        const row = marks.get(e.entity_id);
        if (row !== undefined) Object.assign(row, { status: 'removed', removed_at: datetime(e.timestamp) });
        count(String(d.thing_id), -1, -Number(d.weight));
        return;
      }
      default:
        throw new Error(`model: no rule for ${e.event_type}`);
    }
  }

  /** Δ counters with create_missing: a stub row (key, counters, defaults) when the thing is missing. */
  function count(thingId: string, marksDelta: number, weightDelta: number): void {
    let row = things.get(thingId);
    if (row === undefined) {
      row = blankThing(thingId);
      things.set(thingId, row);
    }
    row.mark_count = num(Number(row.mark_count) + marksDelta);
    row.weight_sum = num(Number(row.weight_sum) + weightDelta);
  }
}

function blankThing(id: string): Row {
  return {
    thing_id: id, slug: null, name: null, status: null, owner_id: null, score: '0', rating: null, featured: '0', tag_count: '0', profile: null,
    mark_count: '0', weight_sum: '0', created_at: null, archived_at: null, archive_reason: null, entity_version: '0',
  };
}

export function sortTables(t: Tables): Tables {
  const out: Tables = {};
  for (const [name, rows] of Object.entries(t)) {
    const key = TABLE_KEYS[name] ?? Object.keys(rows[0] ?? {});
    out[name] = [...rows].sort((a, b) => compareKeys(key.map((k) => a[k] ?? null), key.map((k) => b[k] ?? null)));
  }
  return out;
}

function compareKeys(a: Value[], b: Value[]): number {
  for (let i = 0; i < a.length; i++) {
    const x = a[i] ?? '';
    const y = b[i] ?? '';
    // Numeric keys (line_no) sort as numbers, the rest as strings.
    const c = /^-?\d+$/.test(x) && /^-?\d+$/.test(y) ? Number(x) - Number(y) : x < y ? -1 : x > y ? 1 : 0;
    if (c !== 0) return c;
  }
  return 0;
}

const str = (v: unknown): Value => (v === undefined || v === null ? null : String(v));
const num = (v: unknown): Value => String(Number(v));

/** ISO-8601 (Z or offset) → 'YYYY-MM-DD HH:MM:SS.mmm' UTC. */
export function datetime(v: unknown): Value {
  if (v === undefined || v === null) return null;
  const t = new Date(String(v));
  if (Number.isNaN(t.getTime())) throw new Error(`model: bad datetime ${String(v)}`);
  return t.toISOString().replace('T', ' ').replace('Z', '');
}

/** JSON text with object keys sorted, so equal documents compare equal. */
export function canonicalJson(v: unknown): string {
  return JSON.stringify(sortKeys(v));
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v !== null && typeof v === 'object') {
    return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sortKeys((v as Record<string, unknown>)[k])]));
  }
  return v;
}
