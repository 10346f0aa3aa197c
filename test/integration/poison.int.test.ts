/**
 * The poison corpus (test/fixtures/poison/corpus.ndjson, issue 12 point 1): good events with 12
 * poison messages among them (object entity ids with toString/valueOf, JSON-path positions 1e300
 * and 2^32, 10,000-deep nesting reaching equals, `$..`, an increment amount and a replace_in value,
 * a json value past MariaDB's depth, a missing key and position, truncated JSON). Through `--from`
 * and through Kafka: the engine keeps running, each poison message is dead-lettered exactly once,
 * and the table equals a clean run's (the corpus without the poison). Through Kafka on every server
 * database (MariaDB, PostgreSQL).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openKnex } from '../../src/sql/connection.js';
import { createRuntime } from '../../src/runtime/runtime.js';
import { silentLogger } from '../../src/runtime/ops/log.js';
import { createTopics, readTopics, testKafka, waitDrained } from '../helpers/kafka.js';
import { startInProcess } from '../helpers/runner.js';
import { eachServer, uniqueName } from '../helpers/services.js';

const CORPUS = readFileSync(new URL('../fixtures/poison/corpus.ndjson', import.meta.url), 'utf8').split('\n').filter((l) => l !== '');
const SPEC = readFileSync(new URL('../fixtures/poison/spec.yaml', import.meta.url), 'utf8');
const isPoison = (line: string): boolean => {
  const w = JSON.parse(line) as { value?: { event_id?: string }; value_raw?: string };
  return w.value_raw !== undefined || String(w.value?.event_id ?? '').startsWith('p');
};
const POISON = CORPUS.filter(isPoison).length;
const dir = mkdtempSync(join(tmpdir(), 'sc-poison-it-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** mysql2 and pg may hand a JSON column back parsed; SQLite gives its text. */
const json = (v: unknown): unknown => (typeof v === 'string' ? JSON.parse(v) : v);

async function tableRows(url: string): Promise<Array<Record<string, unknown>>> {
  const db = openKnex(url);
  try {
    const rows = (await db('poison_docs').select('id', 'same', 'found', 'lines', 'n').orderBy('id')) as Array<Record<string, unknown>>;
    return rows.map((r) => ({ ...r, same: Number(r.same), n: Number(r.n), lines: json(r.lines), found: json(r.found) }));
  } finally {
    await db.destroy();
  }
}

/** Run lines through --from into a new SQLite file; the table and the dead letters' offsets. */
async function fromFile(name: string, lines: string[], specDir: string): Promise<{ rows: Array<Record<string, unknown>>; letters: number[] }> {
  const file = join(dir, `${name}.ndjson`);
  writeFileSync(file, lines.join('\n') + '\n');
  const url = `sqlite:${join(dir, `${name}.db`)}`;
  const rt = await createRuntime({ config: specDir, databaseUrl: url, from: file, logger: silentLogger, statsInterval: 0 });
  await rt.start();
  await rt.done;
  const db = openKnex(url);
  try {
    const letters = ((await db('sc_dead_letters').select('offset')) as Array<{ offset: number }>).map((r) => Number(r.offset)).sort((a, b) => a - b);
    return { rows: await tableRows(url), letters };
  } finally {
    await db.destroy();
  }
}

function specIn(name: string, topic: string, group: string): string {
  const specDir = mkdtempSync(join(dir, `${name}-spec-`));
  writeFileSync(join(specDir, 'spec.yaml'), SPEC.replaceAll('poison.docs', topic).replace('group: poison-docs', `group: ${group}`));
  return specDir;
}

describe('poison corpus', () => {
  it('through --from: every poison line is dead-lettered once and the table equals a clean run', async () => {
    const specDir = specIn('from', 'poison.docs', 'poison-docs');
    const poisoned = await fromFile('poisoned', CORPUS, specDir);
    const clean = await fromFile('clean', CORPUS.filter((l) => !isPoison(l)), specDir);
    expect(POISON).toBe(12);
    expect(poisoned.letters).toEqual(CORPUS.map((l, i) => (isPoison(l) ? i : -1)).filter((i) => i >= 0));
    expect(clean.letters).toEqual([]);
    expect(poisoned.rows.length).toBeGreaterThan(0);
    expect(poisoned.rows).toEqual(clean.rows);
  });

  const { skip, servers } = eachServer('KAFKA_BROKERS');
  it.skipIf(skip).each(servers)('through Kafka on $name: the engine keeps running, each poison message is in the DLQ once, the table equals a clean run', async (server) => {
    const topic = uniqueName('poison.docs');
    const group = uniqueName('poison-docs');
    const specDir = specIn(`kafka-${server.kind}`, topic, group);
    const db = await server.fresh('sc_poison');
    try {
      await createTopics([topic], 1);
      const producer = testKafka().producer();
      await producer.connect();
      await producer.send({
        topic,
        messages: CORPUS.map((l) => {
          const w = JSON.parse(l) as { key: string; value?: unknown; value_raw?: string };
          return { key: w.key, partition: 0, value: w.value_raw ?? JSON.stringify(w.value) };
        }),
      });
      await producer.disconnect();
      const { rt } = await startInProcess({ config: specDir, databaseUrl: db.url });
      await waitDrained(db.url, group, [topic], 120_000);
      await rt.stop();
      const stats = (await rt.done).groups[group];
      expect(stats?.deadLettered).toBe(POISON);
      const letters = await readTopics([`${topic}.dlq`]);
      const offsets = letters.map((m) => Number(m.headers['sc-source-offset'])).sort((a, b) => a - b);
      expect(offsets).toEqual(CORPUS.map((l, i) => (isPoison(l) ? i : -1)).filter((i) => i >= 0));
      const clean = await fromFile(`clean-for-kafka-${server.kind}`, CORPUS.filter((l) => !isPoison(l)).map((l) => l.replaceAll('poison.docs', topic)), specDir);
      expect(await tableRows(db.url)).toEqual(clean.rows);
    } finally {
      await db.drop();
    }
  });
});
