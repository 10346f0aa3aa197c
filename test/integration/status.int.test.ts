/**
 * `sc-project status` against real Kafka and each server database (MariaDB, PostgreSQL), with the engine running and after it
 * stopped: per partition the stored position, Kafka's committed offset, the end offset and the
 * lag are exactly what the test reads from the database and Kafka itself; dead letters are
 * counted per dead-letter topic; `--max-lag` exits 1 once a partition lags more than allowed.
 */
import { execFile } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { committedOffsets, dbPositions, endOffsets, produce, readTopics, waitDrained } from '../helpers/kafka.js';
import { BIN, ROOT, spawnRun, stopChild } from '../helpers/runner.js';
import { testResources } from '../helpers/scenario.js';
import { eachServer, KAFKA_BROKERS } from '../helpers/services.js';
import { BAD_KINDS, generateStream } from '../helpers/stream.js';
import type { StatusReport } from '../../src/runtime/ops/status.js';

const { skip, servers } = eachServer('KAFKA_BROKERS');

function status(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, 'status', '--brokers', KAFKA_BROKERS ?? '', ...args], { cwd: ROOT, timeout: 120_000 }, (err, stdout, stderr) => {
      resolve({ code: err === null ? 0 : typeof err.code === 'number' ? err.code : -1, stdout, stderr });
    });
  });
}

describe.skipIf(skip).each(servers)('sc-project status on $name', (server) => {
  const { track, flow } = testResources();

  it('reports positions, committed offsets, ends, lag and dead letters of a running and a stopped engine', async () => {
    const { spec, db, topics } = await flow('status', 3, server);
    const messages = generateStream({ seed: 31, topics: spec, things: 300, maxLifecycle: 3, marks: 400, stubTargets: 5, duplicateRate: 0.03, bad: [...BAD_KINDS] });
    await produce(messages);
    // Before any run the engine's tables do not exist yet: they read as empty, with no error.
    const empty = await status(['--config', spec.dir, '--database-url', db.url]);
    expect(empty.stderr).toBe('');
    expect(empty.stdout).toContain(`group ${spec.group}: lag`);
    const run = track(spawnRun({ config: spec.dir, databaseUrl: db.url, maxBatch: 60 }));
    await waitDrained(db.url, spec.group, topics, 120_000);
    const dlq = await readTopics([`${spec.things}.dlq`, `${spec.marks}.dlq`]);
    expect(dlq.length).toBeGreaterThanOrEqual(BAD_KINDS.length);

    // Running and drained: lag 0 everywhere, and within --max-lag 0.
    const ends = await endOffsets(topics);
    const live = await status(['--config', spec.dir, '--database-url', db.url, '--format', 'json', '--max-lag', '0']);
    expect(live.code, live.stderr + live.stdout).toBe(0);
    const r = JSON.parse(live.stdout) as StatusReport;
    const g = r.groups.find((x) => x.group === spec.group);
    expect(g).toBeDefined();
    const stored = await dbPositions(db.url, spec.group);
    expect(g?.partitions.map((p) => [`${p.topic}/${p.partition}`, p.stored, p.end, p.lag]).sort()).toEqual(
      [...ends].map(([k, end]) => [k, stored.get(k) ?? null, end, 0]).sort(),
    );
    expect(g?.lag).toBe(0);
    expect(Date.now() - Date.parse(String(g?.lastCommitAt))).toBeLessThan(5 * 60_000);
    expect(r.deadLetters.reduce((a, d) => a + d.count, 0)).toBe(dlq.length);
    expect(r.deadLetters.every((d) => d.where.endsWith('.dlq'))).toBe(true);
    expect(r.overMaxLag).toEqual([]);

    // Stopped (Kafka offsets committed on the way out), then more messages arrive.
    expect(await stopChild(run), run.tail()).toEqual({ code: 0, signal: null });
    const more = generateStream({ seed: 32, topics: spec, things: 40, maxLifecycle: 1, marks: 30, idPrefix: 'more-' });
    await produce(more);
    const ends2 = await endOffsets(topics);
    const committed = await committedOffsets(spec.group, topics);
    const expected = [...ends2].map(([k, end]) => {
      const s = stored.get(k) ?? null;
      return { k, stored: s, committed: (committed.get(k) ?? -1) >= 0 ? committed.get(k) : null, end, lag: end - (s ?? 0) };
    }).sort((a, b) => (a.k < b.k ? -1 : 1));
    const maxLagSeen = Math.max(...expected.map((e) => e.lag));
    expect(maxLagSeen).toBeGreaterThan(0);

    const over = await status(['--config', spec.dir, '--database-url', db.url, '--format', 'json', '--max-lag', String(maxLagSeen - 1)]);
    expect(over.code, over.stderr).toBe(1);
    const r2 = JSON.parse(over.stdout) as StatusReport;
    const g2 = r2.groups.find((x) => x.group === spec.group);
    expect(g2?.partitions.map((p) => ({ k: `${p.topic}/${p.partition}`, stored: p.stored, committed: p.committed, end: p.end, lag: p.lag })).sort((a, b) => (a.k < b.k ? -1 : 1))).toEqual(expected);
    expect(g2?.lag).toBe(more.length);
    expect(r2.overMaxLag.map((x) => x.lag)).toEqual(expected.filter((e) => e.lag > maxLagSeen - 1).map((e) => e.lag));

    const within = await status(['--config', spec.dir, '--database-url', db.url, '--max-lag', String(maxLagSeen)]);
    expect(within.code, within.stderr).toBe(0);
    expect(within.stdout).toContain(`group ${spec.group}: lag ${more.length}`);
    expect(within.stdout).toContain(`${spec.things}.dlq:`);
    expect(within.stdout).toContain(`lag within --max-lag ${maxLagSeen}`);
  });
});
