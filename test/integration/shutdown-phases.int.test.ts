/**
 * SIGTERM in the phases where the engine waits on Kafka (issue 12): while the consumer is still
 * joining a group that waits out the session of a member killed with kill -9, and while the
 * broker cannot be reached at all. Each must exit 0 within a few seconds of the signal, without
 * a database error (nothing may use the pool after it closed) and without being forced.
 */
import { describe, expect, it } from 'vitest';
import { produce } from '../helpers/kafka.js';
import { engineErrors, killChild, spawnRun, type Child } from '../helpers/runner.js';
import { testResources } from '../helpers/scenario.js';
import { eachServer, type ServerDatabase } from '../helpers/services.js';
import { generateStream } from '../helpers/stream.js';
import { waitFor } from '../helpers/wait.js';

const { skip, servers } = eachServer('KAFKA_BROKERS');

/** SIGTERM, then the exit and how long after the signal it came (SIGKILL after 30 s). */
async function sigterm(c: Child): Promise<{ exit: { code: number | null; signal: NodeJS.Signals | null }; tookMs: number }> {
  const at = Date.now();
  c.kill('SIGTERM');
  const timer = setTimeout(() => c.kill('SIGKILL'), 30_000);
  try {
    const exit = await c.exited;
    return { exit, tookMs: Date.now() - at };
  } finally {
    clearTimeout(timer);
  }
}

function expectCleanStop(c: Child, r: { exit: { code: number | null; signal: NodeJS.Signals | null }; tookMs: number }, groupsStarted: boolean): void {
  expect(r.exit, c.tail()).toEqual({ code: 0, signal: null });
  // A bound on behaviour (the promise is 5 s), not a benchmark.
  expect(r.tookMs, c.tail()).toBeLessThan(5_000);
  expect(engineErrors(c.lines), c.tail()).toEqual([]);
  expect(c.lines.filter((l) => /closed state|pool is closed|pool after calling end|ECONNREFUSED 127\.0\.0\.1:(?:3306|5432)/i.test(JSON.stringify(l))), 'no database use after the pool closed').toEqual([]);
  expect(c.other, 'nothing but log lines on stderr').toEqual([]);
  // The graceful path, not a forced exit: the summary is printed once the groups exist.
  if (groupsStarted) expect(c.stdout.join(''), c.tail()).toMatch(/messages, \d+ applied/);
  expect(c.lines.filter((l) => /did not disconnect in time/.test(l.msg)), c.tail()).toEqual([]);
}

describe.skipIf(skip)('SIGTERM while waiting on Kafka', () => {
  const { track, flow } = testResources();

  it('while joining a group that waits out the session of a member killed with kill -9: exit 0 within 5 s', async () => {
    // The join is Kafka's side: on the first server database only.
    const { spec, db } = await flow('shutdown_join', 3, servers[0] as ServerDatabase);
    await produce(generateStream({ seed: 5, topics: spec, things: 300, maxLifecycle: 3, orphans: 5, marks: 300, stubTargets: 5, duplicateRate: 0, staleRate: 0, unhandled: 0 }));
    // The first member holds its partitions for 20 s after its kill: the second one's join blocks.
    const first = track(spawnRun({ config: spec.dir, databaseUrl: db.url, maxBatch: 50, extraArgs: ['--session-timeout', '20'] }));
    await waitFor('the first member commits', async () => first.lines.some((l) => l.msg === 'stats' && Number(l.applied) > 0), { timeoutMs: 90_000, intervalMs: 20 });
    await killChild(first);

    const second = track(spawnRun({ config: spec.dir, databaseUrl: db.url, maxBatch: 50 }));
    await waitFor('the second member starts', async () => second.lines.some((l) => l.msg === 'sc-project starting'), { timeoutMs: 60_000, intervalMs: 20 });
    // Past the topic checks, into the join (which waits up to 20 s for the killed member).
    await new Promise((r) => setTimeout(r, 3_000));
    const joinedBefore = second.lines.some((l) => /stored position|starting from the/.test(l.msg));
    const r = await sigterm(second);
    console.log(`SIGTERM while joining (joined before the signal: ${joinedBefore}): exited ${JSON.stringify(r.exit)} after ${r.tookMs} ms`);
    expect(joinedBefore, 'the signal came while the group still waited for the killed member').toBe(false);
    expectCleanStop(second, r, true);
  });

  // The pool closes while nothing has used it yet, on each server database's driver.
  it.each(servers)('with the broker unreachable: exit 0 within 5 s ($name)', async (server) => {
    const { spec, db } = await flow('shutdown_nobroker', 3, server);
    const c = track(spawnRun({ config: spec.dir, databaseUrl: db.url, extraArgs: ['--brokers', '127.0.0.1:1'] }));
    await waitFor('the run starts', async () => c.lines.some((l) => l.msg === 'sc-project starting'), { timeoutMs: 60_000, intervalMs: 20 });
    // Long enough to be retrying the connection (and for a lag-monitor turn to begin).
    await new Promise((r) => setTimeout(r, 6_000));
    const r = await sigterm(c);
    console.log(`SIGTERM with the broker unreachable: exited ${JSON.stringify(r.exit)} after ${r.tookMs} ms`);
    expectCleanStop(c, r, false);
  });
});
