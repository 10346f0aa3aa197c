/**
 * Issue 23's scenario: a spec whose `name` column is too short dead-letters the events with
 * longer names; widening the column (the fixed spec) and replaying
 * the letters must leave the tables a clean run of the fixed spec leaves. Names longer than even
 * the fixed column keep failing. Events are inserts of distinct items, so no late replay can be
 * overtaken by a later event of the same row (the README's "Dead letters" says what happens when one is).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { uniqueName } from './services.js';
import { testKafka } from './kafka.js';

/** The short column the broken spec declares, the fixed one, and names of each kind. */
export const SHORT = 5;
export const FIXED = 40;

export interface LettersFlow {
  topic: string;
  group: string;
  /** The folder holding the spec (pass it as --config); `writeSpec` rewrites it. */
  dir: string;
  writeSpec(nameLength: number): void;
  remove(): void;
}

/** With `output`, each event also appends a record to an HTTP output (its endpoint never answers). */
export function lettersFlow(test: string, o: { output?: boolean } = {}): LettersFlow {
  const base = uniqueName(`it-${test}`);
  const dir = mkdtempSync(join(tmpdir(), 'sc-it-letters-'));
  const topic = `${base}.items`;
  const group = base;
  const writeSpec = (nameLength: number): void => writeFileSync(join(dir, 'items.yaml'), [
    'projection: it-items',
    `group: ${group}`,
    `topics: [${topic}]`,
    'tables:',
    '  items:',
    '    key: [item_id]',
    '    columns:',
    '      item_id: { type: string, length: 64 }',
    `      name: { type: string, length: ${nameLength} }`,
    '      size: { type: int, default: 0 }',
    '  totals:',
    '    key: [bucket]',
    '    columns:',
    '      bucket: { type: string, length: 16 }',
    '      items: { type: int, default: 0 }',
    '      size_sum: { type: bigint, default: 0 }',
    'on:',
    '  item.made:',
    '    - insert: items',
    '      set: { item_id: $.entity_id, name: $.data.name, size: $.data.size }',
    // A counter: an event applied twice would show here.
    '    - increment: totals',
    '      where: { bucket: $.data.bucket }',
    '      by: { items: 1, size_sum: $.data.size }',
    '      create_missing: true',
    ...(o.output === true ? [
      '    - append: api',
      '      list: made',
      'outputs:',
      '  api:',
      '    http: { url: "http://127.0.0.1:9/x", timeout: 1 }',
      '    lists: [made]',
      '    flush: { interval: 3600, max_records: 100000, max_bytes: 10000000 }',
      '    retry: { retries: 0, base: 1, multiplier: 2 }',
      '    body: { object: { id: $.id, made: $.lists.made } }',
    ] : []),
    '',
  ].join('\n'));
  writeSpec(SHORT);
  return { topic, group, dir, writeSpec, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export type NameKind = 'short' | 'long' | 'too-long';

export interface ItemEvent {
  key: string;
  value: string;
  kind: NameKind;
}

/** `n` events of distinct items: every 4th has a name too long for SHORT, every 25th too long even for FIXED. */
export function itemEvents(n: number, prefix = 'i'): ItemEvent[] {
  return Array.from({ length: n }, (_, i) => {
    const kind: NameKind = i % 25 === 24 ? 'too-long' : i % 4 === 1 ? 'long' : 'short';
    const name = kind === 'short' ? `n${i % 1000}` : kind === 'long' ? `a-longer-name-${i}` : 'x'.repeat(FIXED + 10);
    const id = `${prefix}${i}`;
    return { key: id, kind, value: JSON.stringify({ event_id: `e-${id}`, event_type: 'item.made', entity_id: id, data: { name, size: i, bucket: `b${i % 3}` } }) };
  });
}

/** The events as a `run --from` file. */
export function writeNdjson(dir: string, topic: string, events: ItemEvent[]): string {
  const path = join(dir, `events-${Math.random().toString(36).slice(2)}.ndjson`);
  writeFileSync(path, events.map((e) => JSON.stringify({ topic, key: e.key, value: JSON.parse(e.value) as unknown })).join('\n') + '\n');
  return path;
}

/** Produce the events in sequence (keyed: each item's partition by its key). */
export async function produceEvents(topic: string, events: ItemEvent[]): Promise<void> {
  const producer = testKafka('sc-it-letters').producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
  await producer.connect();
  try {
    for (let i = 0; i < events.length; i += 2000) {
      await producer.send({ topic, acks: -1, messages: events.slice(i, i + 2000).map((e) => ({ key: e.key, value: e.value })) });
    }
  } finally {
    await producer.disconnect();
  }
}
