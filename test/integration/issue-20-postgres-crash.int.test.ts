/**
 * Issue 20, step 3: `sc-project run` through Kafka into PostgreSQL, killed with -9 twice (once
 * in the window between the database commit and the Kafka offset commit, once mid-run), then
 * drained: the tables equal the model's, nothing lost and nothing applied twice (the Δ counters
 * and log rows would show a double). `status` reads the empty database, then the drained one.
 * The MariaDB twin is crash.int.test.ts.
 */
import { execFile } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { committedOffsets, createTopics, dbPositions, deleteTopics, endOffsets, produce, progress, waitDrained } from '../helpers/kafka.js';
import { expectedTables } from '../helpers/model.js';
import { BIN, killChild, ROOT, spawnRun, stopChild, type Child } from '../helpers/runner.js';
import { freshPostgresDatabase, KAFKA_BROKERS, skipWithout } from '../helpers/services.js';
import { flowNames, writeSpec } from '../helpers/spec.js';
import { generateStream } from '../helpers/stream.js';
import { diffTables, readTables } from '../helpers/tables.js';
import { sleep, waitFor } from '../helpers/wait.js';

const skip = skipWithout('POSTGRES_URL', 'KAFKA_BROKERS');

function status(config: string, databaseUrl: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, 'status', '--config', config, '--database-url', databaseUrl, '--brokers', KAFKA_BROKERS ?? ''], { cwd: ROOT, timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ code: err === null ? 0 : Number((err as { code?: unknown }).code ?? 1), stdout, stderr });
    });
  });
}

describe.skipIf(skip)('kill -9 of sc-project run into PostgreSQL (issue 20)', () => {
  it('two crashes, then drained: the tables of the model, nothing lost or doubled', async () => {
    const spec = writeSpec(flowNames('pgcrash'));
    const db = await freshPostgresDatabase('sc_it_pgcrash');
    const children: Child[] = [];
    try {
      const topics = [spec.things, spec.marks];
      await createTopics(topics, 3);
      const messages = generateStream({ seed: 20, topics: spec, things: 900, maxLifecycle: 4, orphans: 20, marks: 1500, stubTargets: 20, duplicateRate: 0.03, staleRate: 0.05, unhandled: 20 });
      await produce(messages);
      const ends = await endOffsets(topics);
      const run = (env?: Record<string, string>): Child => {
        const c = spawnRun({ config: spec.dir, databaseUrl: db.url, maxBatch: 100, ...(env ? { env } : {}) });
        children.push(c);
        return c;
      };

      // status before any run: the engine's tables do not exist yet and read as empty.
      const empty = await status(spec.dir, db.url);
      expect(empty.stderr).toBe('');
      expect(empty.stdout).toContain(`group ${spec.group}: lag`);

      // 1. Killed by the test hook after its second database commit, before Kafka heard of it.
      const crashing = run({ SC_TEST_CRASH_AFTER_DB_COMMIT: '2' });
      expect(await Promise.race([crashing.exited, sleep(90_000).then(() => undefined)]), crashing.tail()).toEqual({ code: null, signal: 'SIGKILL' });
      // The window was really hit: some partition's position in PostgreSQL is ahead of Kafka's offset.
      const stored = await dbPositions(db.url, spec.group);
      const committed = await committedOffsets(spec.group, topics);
      expect([...stored].filter(([k, next]) => next > (committed.get(k) ?? -1)).length, `db ${JSON.stringify([...stored])}`).toBeGreaterThan(0);

      // 2. Killed -9 mid-run.
      let c = run();
      const before = await progress(db.url, spec.group, ends);
      await waitFor('more of the stream', async () => (await progress(db.url, spec.group, ends)) >= Math.min(0.8, before + 0.2), { timeoutMs: 90_000, intervalMs: 50 });
      await killChild(c);
      expect(await progress(db.url, spec.group, ends)).toBeLessThan(1);

      // 3. Drained and stopped gracefully.
      c = run();
      await waitDrained(db.url, spec.group, topics, 120_000);
      expect(await stopChild(c), c.tail()).toEqual({ code: 0, signal: null });
      expect(c.other, 'nothing but log lines on stderr').toEqual([]);
      expect(diffTables(expectedTables(messages), await readTables(db.url))).toEqual([]);
      const after = await status(spec.dir, db.url);
      expect(after.stdout).toContain(`group ${spec.group}: lag 0`);
      expect(after.code).toBe(0);
    } finally {
      for (const child of children) child.kill('SIGKILL');
      await db.drop();
      spec.remove();
      await deleteTopics(spec.allTopics);
    }
  }, 300_000);
});
