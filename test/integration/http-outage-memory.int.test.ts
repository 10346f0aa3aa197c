/**
 * Issue 9, point 2: the endpoint down while a backlog waits in Kafka keeps the engine's memory
 * bounded. The real CLI (`node bin/sc-project.js run`) runs against an endpoint that answers 503
 * (Retry-After: 1) to everything for the outage; the test reads the child's VmRSS from
 * /proc/<pid>/status and the outbox size (records buffered + records in pending batches) from
 * the engine tables every second. During the outage: RSS under RSS_BOUND_MB, the outbox never
 * more than max_buffered plus one processor batch of records (consumption paused), and nothing
 * dead-lettered. After the endpoint comes back: every record arrives exactly once across
 * distinct eventIds, and an eventId always carries the same body.
 *
 * Size: the issue's, 100,000 messages and 60 s of outage (about 1.5 minutes in all on the shared
 * 2-core machine); SC_OUTAGE_MESSAGES and SC_OUTAGE_SECONDS change it for a quicker local run.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import { afterAll, describe, expect, it } from 'vitest';
import { createTopics, deleteTopics, endOffsets, produce, readTopics } from '../helpers/kafka.js';
import { spawnRun, stopChild, type Child } from '../helpers/runner.js';
import { freshDatabase, skipWithout, uniqueName } from '../helpers/services.js';
import type { StreamMessage } from '../helpers/stream.js';
import { sleep, waitFor } from '../helpers/wait.js';

const skip = skipWithout('DATABASE_URL', 'KAFKA_BROKERS');

const MESSAGES = Number(process.env.SC_OUTAGE_MESSAGES ?? 100_000);
const OUTAGE_S = Number(process.env.SC_OUTAGE_SECONDS ?? 60);
const MAX_RECORDS = 1000;
const MAX_BUFFERED = 5000;
const MAX_BATCH = 500;
/** Records per message: 1, or 2 for every third message. */
const recordsOf = (i: number): number => (i % 3 === 0 ? 2 : 1);
/**
 * The engine idles at ~100-150 MB RSS (Node, kafkajs, mysql2, the compiled plan). A backlog held
 * in memory would grow with it (the full 100k-message backlog decoded is well over 100 MB of JS
 * objects); 300 MB leaves room for GC slack on a loaded machine and still fails such growth.
 */
const RSS_BOUND_MB = 300;

interface Api {
  url: string;
  requests: number;
  bodies: Map<string, string[]>;
  setDown(down: boolean): void;
  close(): Promise<void>;
}

/** A node:http endpoint that answers 503 while down, then 200 and records each body by eventId. */
async function startApi(): Promise<Api> {
  let down = true;
  let requests = 0;
  const bodies = new Map<string, string[]>();
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      requests++;
      if (down) {
        res.writeHead(503, { 'Retry-After': '1', 'Content-Type': 'application/json' });
        res.end('{"error":"maintenance"}');
        return;
      }
      const body = Buffer.concat(chunks).toString('utf8');
      const { eventId } = JSON.parse(body) as { eventId: string };
      bodies.set(eventId, [...(bodies.get(eventId) ?? []), body]);
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end('{"status":"ok"}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    get requests() { return requests; },
    bodies,
    setDown: (d) => { down = d; },
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

function specText(topic: string, group: string, url: string): string {
  return `projection: outage_sync
group: ${group}
topics: [${topic}]
envelope:
  type: $.eventType
  id: $.messageId
unhandled: dlq
outputs:
  api:
    http:
      url: ${url}/ingest
      method: POST
      timeout: 2
    lists: [records]
    flush:
      interval: 1
      max_records: ${MAX_RECORDS}
    retry:
      retries: 2
      base: 0.2
      multiplier: 2
      statuses: [5xx]
    max_buffered: ${MAX_BUFFERED}
    body:
      object:
        eventId: $.id
        records: $.lists.records
on:
  REC:
    - append: api
      list: records
      for_each: $.payload
      value: $item
`;
}

function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m === null ? 0 : Number(m[1]) / 1024;
}

describe.skipIf(skip)('HTTP output: the endpoint down while a backlog waits in Kafka', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterAll(async () => {
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
  });

  it(`keeps RSS and the outbox bounded through a ${OUTAGE_S} s outage with ${MESSAGES} messages waiting, then delivers every record exactly once`, async () => {
    const base = uniqueName('outage');
    const topic = `${base}.records`;
    await createTopics([topic]);
    cleanups.push(() => deleteTopics([topic, `${topic}.dlq`]));
    const db = await freshDatabase('sc_outage');
    cleanups.push(db.drop);
    const api = await startApi();
    cleanups.push(api.close);
    const dir = mkdtempSync(join(tmpdir(), 'sc-outage-'));
    cleanups.push(async () => rmSync(dir, { recursive: true, force: true }));
    const spec = join(dir, 'outage.yaml');
    writeFileSync(spec, specText(topic, `${base}-group`, api.url));

    const messages: StreamMessage[] = [];
    let expected = 0;
    for (let i = 0; i < MESSAGES; i++) {
      const payload = Array.from({ length: recordsOf(i) }, (_, j) => ({ id: `R${i}-${j}`, v: i }));
      expected += payload.length;
      messages.push({ topic, key: `k${i}`, partition: i % 3, kind: 'event', value: Buffer.from(JSON.stringify({ messageId: `m${i}`, eventType: 'REC', payload })) } as StreamMessage);
    }
    const t0 = Date.now();
    await produce(messages, 10_000);
    const produceS = (Date.now() - t0) / 1000;
    const total = [...(await endOffsets([topic])).values()].reduce((a, b) => a + b, 0);
    expect(total).toBe(MESSAGES);

    const conn = await mysql.createConnection(db.url);
    cleanups.push(() => conn.end());
    const outbox = async (): Promise<number> => {
      try {
        const [rows] = await conn.query(`SELECT (SELECT COUNT(*) FROM sc_http_records WHERE output = 'api') + (SELECT COALESCE(SUM(records), 0) FROM sc_http_batches WHERE output = 'api' AND status = 'pending') AS n`);
        return Number((rows as Array<{ n: unknown }>)[0]?.n ?? 0);
      } catch {
        return 0; // engine tables not created yet
      }
    };

    const child: Child = spawnRun({ config: spec, databaseUrl: db.url, maxBatch: MAX_BATCH });
    cleanups.push(async () => { await stopChild(child); });
    const pid = child.proc.pid as number;
    const started = Date.now();
    const samples: Array<{ s: number; rss: number; outbox: number }> = [];
    while (Date.now() - started < OUTAGE_S * 1000) {
      expect(child.alive(), child.tail()).toBe(true);
      samples.push({ s: Math.round((Date.now() - started) / 1000), rss: rssMb(pid), outbox: await outbox() });
      await sleep(1000);
    }
    const peakRss = Math.max(...samples.map((x) => x.rss));
    const peakOutbox = Math.max(...samples.map((x) => x.outbox));
    const dlqDuringOutage = (await readTopics([`${topic}.dlq`]).catch(() => [])).length;
    console.log(`outage: ${MESSAGES} messages (${expected} records) produced in ${produceS.toFixed(1)} s; ${OUTAGE_S} s down, ${api.requests} requests answered 503; peak RSS ${peakRss.toFixed(0)} MB, peak outbox ${peakOutbox} records (max_buffered ${MAX_BUFFERED}); samples ${samples.map((x) => `${x.s}s:${x.rss.toFixed(0)}MB/${x.outbox}`).join(' ')}`);

    expect(api.requests, 'the engine kept retrying during the outage').toBeGreaterThan(2);
    expect(api.bodies.size).toBe(0);
    expect(peakRss, 'RSS during the outage (MB)').toBeLessThan(RSS_BOUND_MB);
    // Paused: the outbox reached max_buffered and never went past it by more than one processor batch.
    expect(peakOutbox).toBeGreaterThanOrEqual(MAX_BUFFERED);
    expect(peakOutbox).toBeLessThanOrEqual(MAX_BUFFERED + MAX_BATCH * 2);
    expect(peakOutbox).toBeLessThan(expected);
    expect(child.lines.some((l) => l.msg.startsWith('HTTP output full: consumption paused'))).toBe(true);
    expect(dlqDuringOutage, 'nothing dead-lettered during the outage').toBe(0);

    api.setDown(false);
    const back = Date.now();
    const received = (): string[] => [...api.bodies.values()].flatMap((bs) => (JSON.parse(bs[0] as string) as { records: Array<{ id: string }> }).records.map((r) => r.id));
    let recoveryRss = 0;
    await waitFor('every record delivered after the endpoint came back', () => {
      recoveryRss = Math.max(recoveryRss, rssMb(pid));
      return received().length >= expected;
    }, { timeoutMs: 300_000, intervalMs: 1000 })
      .catch((e: unknown) => { throw new Error(`${String(e)}: ${received().length}/${expected} records\n${child.tail()}`); });
    const recoveryS = (Date.now() - back) / 1000;
    await sleep(2000); // a duplicate batch would arrive now
    const rssAfter = rssMb(pid);
    // Delivering the backlog holds at most max_buffered records plus one batch too.
    expect(recoveryRss, 'RSS while the backlog is delivered (MB)').toBeLessThan(RSS_BOUND_MB);
    const exit = await stopChild(child);
    expect(exit, child.tail()).toEqual({ code: 0, signal: null });

    for (const [id, bs] of api.bodies) expect(new Set(bs).size, `eventId ${id} was sent with different bodies`).toBe(1);
    const ids = received();
    expect(ids.length, 'a record arrived in two batches').toBe(new Set(ids).size);
    expect(new Set(ids)).toEqual(new Set(messages.flatMap((_, i) => Array.from({ length: recordsOf(i) }, (__, j) => `R${i}-${j}`))));
    expect((await readTopics([`${topic}.dlq`]).catch(() => [])).length, 'nothing dead-lettered').toBe(0);
    expect(await outbox()).toBe(0);
    console.log(`outage recovery: ${expected} records in ${api.bodies.size} batches within ${recoveryS.toFixed(1)} s of the endpoint's return; peak RSS meanwhile ${recoveryRss.toFixed(0)} MB; RSS at the end ${rssAfter.toFixed(0)} MB; ${api.requests} requests in all`);
  }, 600_000);
});
