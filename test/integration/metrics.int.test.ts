/**
 * `run --http`: /metrics scraped while a real Kafka → database run drains a stream (on every server
 * database: MariaDB, PostgreSQL), parsed as
 * Prometheus text. The counters equal the engine's own stats line, the histograms have one
 * observation per committed transaction, lag (end offset minus the stored position) falls to 0
 * for every partition once drained, even for partitions that got no message, and the stats
 * line's lag says the same. /healthz and /readyz answer with JSON.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { endOffsets, produce, progress, waitDrained } from '../helpers/kafka.js';
import { parsePrometheus, type Exposition } from '../helpers/prometheus.js';
import { engineErrors, spawnRun, stopChild, type Child } from '../helpers/runner.js';
import { testResources } from '../helpers/scenario.js';
import { eachServer } from '../helpers/services.js';
import { BAD_KINDS, generateStream } from '../helpers/stream.js';
import { sleep, waitFor } from '../helpers/wait.js';

const { skip, servers } = eachServer('KAFKA_BROKERS');
const VERSION = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

/** The address the child logged it serves on (it listens on port 0: any free port). */
export async function opsUrl(run: Child): Promise<string> {
  await waitFor('the ops endpoint to listen', () => run.lines.some((l) => l.msg === 'serving /metrics, /healthz and /readyz'), { timeoutMs: 60_000 });
  return String(run.lines.find((l) => l.msg === 'serving /metrics, /healthz and /readyz')?.address);
}

export async function scrape(url: string): Promise<Exposition> {
  const r = await fetch(`${url}/metrics`);
  expect(r.status).toBe(200);
  expect(r.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  return parsePrometheus(await r.text());
}

describe.skipIf(skip).each(servers)('Prometheus metrics of a Kafka → $name run', (server) => {
  const { track, flow } = testResources();

  it('counters equal the stats, histograms observe every commit, lag falls to 0', async () => {
    const { spec, db, topics } = await flow('metrics', 3, server);
    const messages = generateStream({
      seed: 21, topics: spec, things: 600, maxLifecycle: 3, marks: 900, stubTargets: 10, duplicateRate: 0.05, staleRate: 0.05, unhandled: 20, bad: [...BAD_KINDS],
    });
    const head = Math.floor(messages.length / 3);
    await produce(messages.slice(0, head));
    const run = track(spawnRun({ config: spec.dir, databaseUrl: db.url, maxBatch: 40, extraArgs: ['--http', '127.0.0.1:0'] }));
    const url = await opsUrl(run);
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const producing = produce(messages.slice(head), 200, 200);

    // While it drains: the endpoint answers, and lag is reported for every partition.
    await waitFor('some progress', async () => (await progress(db.url, spec.group, await endOffsets(topics))) > 0.2, { timeoutMs: 90_000, intervalMs: 200 });
    const during = await scrape(url);
    expect(during.get('sc_project_consumer_lag_messages', { group: spec.group })).toHaveLength(6);
    expect(during.sum('sc_project_messages_total', { group: spec.group, outcome: 'applied' })).toBeGreaterThan(0);

    await producing;
    await waitDrained(db.url, spec.group, topics, 150_000);
    await waitFor('lag 0 on every partition', async () => {
      const lag = (await scrape(url)).get('sc_project_consumer_lag_messages', { group: spec.group });
      return lag.length === 6 && lag.every((s) => s.value === 0);
    }, { timeoutMs: 30_000, intervalMs: 500 });

    // Nothing moves any more: a scrape and the next stats line describe the same state.
    await sleep(1500);
    const x = await scrape(url);
    const after = run.lines.length;
    await waitFor('a stats line after the scrape', () => run.lines.slice(after).some((l) => l.msg === 'stats'), { timeoutMs: 10_000 });
    const stats = run.lines.slice(after).find((l) => l.msg === 'stats') as Record<string, unknown>;
    const g = { group: spec.group };
    const outcome = (o: string) => x.sum('sc_project_messages_total', { ...g, outcome: o });
    expect({
      applied: outcome('applied'), duplicates: outcome('duplicate'), already_applied: outcome('already_applied'),
      skipped_unhandled: outcome('skipped'), dead_lettered: outcome('dead_lettered'),
      batches: x.sum('sc_project_batches_total', g), statements: x.sum('sc_project_statements_total', g), retries: x.sum('sc_project_database_retries_total', g),
    }).toEqual({
      applied: stats.applied, duplicates: stats.duplicates, already_applied: stats.already_applied,
      skipped_unhandled: stats.skipped_unhandled, dead_lettered: stats.dead_lettered,
      batches: stats.batches, statements: stats.statements, retries: stats.retries,
    });
    expect(stats.events).toBe(messages.length);
    expect(Number(stats.dead_lettered)).toBeGreaterThanOrEqual(BAD_KINDS.length);
    expect(Number(stats.skipped_unhandled)).toBe(20);
    // Applied events carry their projection; outcomes decided for the group carry "".
    expect(x.get('sc_project_messages_total', { ...g, outcome: 'applied' }).map((s) => s.labels.projection)).toEqual(['it-flow']);

    // One observation per committed transaction; the batch sizes add up to the messages.
    expect(x.sum('sc_project_commit_duration_seconds_count', g)).toBe(stats.batches);
    expect(x.sum('sc_project_commit_duration_seconds_sum', g)).toBeGreaterThan(0);
    expect(x.sum('sc_project_batch_size_messages_count', g)).toBe(stats.batches);
    expect(x.sum('sc_project_batch_size_messages_sum', g)).toBe(messages.length);
    expect(x.get('sc_project_commit_duration_seconds_bucket', { ...g, le: '+Inf' })[0]?.value).toBe(stats.batches);
    expect(x.types.get('sc_project_commit_duration_seconds')).toBe('histogram');

    // Rows by table and operation: each table the spec writes.
    const tables = new Set(x.get('sc_project_rows_written_total', g).map((s) => s.labels.table));
    expect([...tables].sort()).toEqual(expect.arrayContaining(['thing_events', 'things']));
    expect(x.sum('sc_project_rows_written_total', { ...g, table: 'things' })).toBeGreaterThan(0);

    // Positions and ends per partition match what Kafka and the database say.
    const ends = await endOffsets(topics);
    for (const [k, end] of ends) {
      const [topic, partition] = k.split('/') as [string, string];
      expect(x.get('sc_project_partition_end_offset', { ...g, topic, partition })[0]?.value, k).toBe(end);
    }
    expect(x.sum('sc_project_database_up')).toBe(1);
    expect(x.sum('sc_project_ready')).toBe(1);
    expect(x.get('sc_project_build_info')[0]?.labels.version).toBe(VERSION);
    expect(x.get('sc_project_process_resident_memory_bytes').length).toBe(1);

    // The stats line's lag is filled for every partition, from the same monitor.
    expect(Object.keys(stats.lag as object).sort()).toEqual([...ends.keys()].sort());
    expect(Object.values(stats.lag as object).every((v) => v === 0)).toBe(true);

    const health = await fetch(`${url}/healthz`);
    expect(health.status).toBe(200);
    const ready = await fetch(`${url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: 'ok', reasons: [], checks: { groups: { [spec.group]: 'joined' }, database: 'up' } });
    expect(run.lines.find((l) => l.msg === 'sc-project starting')?.version).toBe(VERSION);

    expect(await stopChild(run), run.tail()).toEqual({ code: 0, signal: null });
    expect(engineErrors(run.lines)).toEqual([]);
    // Stopped: the endpoint is gone with the process.
    await expect(fetch(`${url}/healthz`)).rejects.toThrow();
  });
});
