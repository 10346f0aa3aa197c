/** End-to-end helpers: isolated copies of the shipped specs, publishing NDJSON to Kafka, waiting for drain. */
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { parseAllDocuments, parse } from 'yaml';
import type { Plan } from '../../src/compile/plan.js';
import { openKnex } from '../../src/sql/connection.js';
import { compareTable, type Row, type TableDiff } from '../../src/testing/compare.js';
import { queryDb } from './services.js';

/** Copy the spec files of `dir`, prefixing every topic and suffixing every group, so a test owns them. */
export function isolatedSpecs(dir: string, prefix: string, suffix: string): string {
  const out = mkdtempSync(join(tmpdir(), 'sc-specs-'));
  for (const f of readdirSync(dir).filter((n) => n.endsWith('.yaml') && !n.endsWith('.test.yaml'))) {
    const docs = parseAllDocuments(readFileSync(join(dir, f), 'utf8'));
    const texts = (Array.isArray(docs) ? docs : []).map((doc) => {
      doc.set('topics', (doc.get('topics') as { toJSON(): string[] }).toJSON().map((t) => prefix + t));
      doc.set('group', String(doc.get('group')) + suffix);
      return doc.toString();
    });
    writeFileSync(join(out, f), texts.join('---\n'));
  }
  return out;
}

export interface Wrapped {
  topic: string;
  key: string | null;
  value: unknown;
}

export function readNdjsonFile(path: string): Wrapped[] {
  return readFileSync(path, 'utf8').split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l) as Wrapped);
}

export function kafka(brokers: string): Kafka {
  return new Kafka({ clientId: 'sc-test', brokers: brokers.split(','), logLevel: logLevel.NOTHING });
}

export async function createTopics(k: Kafka, topics: string[], partitions = 3): Promise<void> {
  const admin = k.admin();
  await admin.connect();
  await admin.createTopics({ waitForLeaders: true, topics: topics.map((topic) => ({ topic, numPartitions: partitions })) });
  await admin.disconnect();
}

export async function deleteTopics(k: Kafka, prefix: string): Promise<void> {
  const admin = k.admin();
  await admin.connect();
  const mine = (await admin.listTopics()).filter((t) => t.startsWith(prefix));
  if (mine.length > 0) await admin.deleteTopics({ topics: mine }).catch(() => undefined);
  await admin.disconnect();
}

export async function publish(k: Kafka, messages: Wrapped[], prefix: string): Promise<void> {
  const producer = k.producer();
  await producer.connect();
  const byTopic = new Map<string, Array<{ key: string | null; value: string }>>();
  for (const m of messages) {
    const t = prefix + m.topic;
    byTopic.set(t, [...(byTopic.get(t) ?? []), { key: m.key, value: JSON.stringify(m.value) }]);
  }
  await producer.sendBatch({ acks: -1, topicMessages: [...byTopic].map(([topic, msgs]) => ({ topic, messages: msgs })) });
  await producer.disconnect();
}

/** Wait until every group's stored positions reach the end of every partition of its topics (call after start()). */
export async function waitDrained(k: Kafka, databaseUrl: string, plan: Plan, timeoutMs = 120_000): Promise<void> {
  const admin = k.admin();
  await admin.connect();
  const ends = new Map<string, number>();
  try {
    for (const t of [...new Set(plan.groups.flatMap((g) => g.topics))]) {
      for (const p of await admin.fetchTopicOffsets(t)) ends.set(`${t}/${p.partition}`, Number(p.high));
    }
  } finally {
    await admin.disconnect();
  }
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    // Any server database (queryDb): the sink's own connections are not the test's to borrow.
    const rows = (await queryDb(databaseUrl, 'SELECT consumer_group AS g, topic AS t, `partition` AS p, next_offset AS n FROM sc_consumer_positions')) as Array<{ g: string; t: string; p: number; n: string }>;
    const at = new Map(rows.map((r) => [`${r.g}|${r.t}/${r.p}`, Number(r.n)]));
    const behind = plan.groups.flatMap((g) => g.topics.flatMap((t) =>
      [...ends].filter(([tp, end]) => tp.startsWith(`${t}/`) && end > 0 && (at.get(`${g.group}|${tp}`) ?? 0) < end).map(([tp]) => `${g.group}|${tp}`)));
    if (behind.length === 0) return;
    if (Date.now() > deadline) throw new Error(`not drained after ${timeoutMs} ms: ${behind.slice(0, 5).join(', ')}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

export interface ExpectedFile {
  expect: Record<string, Row[]>;
  dead_letters?: number;
}

export function readExpected(path: string): ExpectedFile {
  return parse(readFileSync(path, 'utf8')) as ExpectedFile;
}

/** Compare every expected table of a database with the expected rows. */
export async function diffTables(databaseUrl: string, plan: Plan, expected: ExpectedFile): Promise<TableDiff[]> {
  const db = openKnex(databaseUrl);
  try {
    const diffs: TableDiff[] = [];
    for (const [name, rows] of Object.entries(expected.expect)) {
      const table = plan.tables.find((t) => t.name === name);
      const actual = (await db(name).select('*')) as Row[];
      const d = compareTable(table, name, rows, actual, false);
      if (d !== undefined) diffs.push(d);
    }
    return diffs;
  } finally {
    await db.destroy();
  }
}
