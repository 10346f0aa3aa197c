/**
 * /readyz while the database is away, on MariaDB and on PostgreSQL (issue 20): ready before, not
 * ready (503, the JSON body saying the database has been failing) once the outage lasts longer
 * than --not-ready-after, ready again after `scripts/services.sh up` has started it, and the run
 * then drains what arrived meanwhile. /healthz stays 200 throughout: a database outage is no
 * reason to restart the process.
 *
 * Stops the local MariaDB, then the local PostgreSQL (only that server each time; Kafka keeps
 * running): run it only under the exclusive lock (flock -x /tmp/sc-services.lock).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { produce, waitDrained } from '../helpers/kafka.js';
import { parsePrometheus } from '../helpers/prometheus.js';
import { engineErrors, spawnRun, stopChild } from '../helpers/runner.js';
import { testResources } from '../helpers/scenario.js';
import { eachServer, mariaDbAnswers, postgresAnswers, startServices, stopMariaDb, stopPostgres } from '../helpers/services.js';
import { generateStream } from '../helpers/stream.js';
import { waitFor } from '../helpers/wait.js';

const { skip, servers } = eachServer('KAFKA_BROKERS');
/** How to stop each server alone, and to tell that it answers again. */
const OUTAGES = {
  mysql: { stop: stopMariaDb, answers: mariaDbAnswers },
  postgres: { stop: stopPostgres, answers: postgresAnswers },
} as const;

interface Probe { status: number; body: { status: string; reasons: string[]; checks: Record<string, unknown> } }

async function probe(url: string): Promise<Probe> {
  const r = await fetch(url);
  return { status: r.status, body: (await r.json()) as Probe['body'] };
}

describe.skipIf(skip).each(servers)('/readyz during a $name outage', (server) => {
  const outage = OUTAGES[server.kind];
  const { track, flow } = testResources();
  afterAll(async () => {
    if (!(await outage.answers())) await startServices();
  });

  it('turns not ready while the database is stopped and ready again after', async () => {
    const { spec, db, topics } = await flow(`readyz${server.kind}`, 3, server);
    const messages = generateStream({ seed: 41, topics: spec, things: 300, maxLifecycle: 2, marks: 300, stubTargets: 5 });
    const half = Math.floor(messages.length / 2);
    await produce(messages.slice(0, half));
    const run = track(spawnRun({ config: spec.dir, databaseUrl: db.url, maxBatch: 50, extraArgs: ['--http', '127.0.0.1:0', '--not-ready-after', '2'] }));
    await waitFor('the ops endpoint', () => run.lines.some((l) => l.msg === 'serving /metrics, /healthz and /readyz'), { timeoutMs: 60_000 });
    const base = String(run.lines.find((l) => l.msg === 'serving /metrics, /healthz and /readyz')?.address);
    await waitDrained(db.url, spec.group, topics, 120_000);
    await waitFor('ready', async () => (await probe(`${base}/readyz`)).status === 200, { timeoutMs: 30_000, intervalMs: 300 });

    let down: Probe | undefined;
    await outage.stop();
    try {
      // Messages keep arriving: the processor retries them (connection refused, 57P01: transient), the monitor's query fails too.
      await produce(messages.slice(half));
      await waitFor('not ready', async () => {
        down = await probe(`${base}/readyz`);
        return down.status === 503;
      }, { timeoutMs: 60_000, intervalMs: 300 });
      expect(down?.body.status).toBe('fail');
      expect(down?.body.reasons.some((r) => /^the database has been failing for \d+ s$/.test(r)), JSON.stringify(down)).toBe(true);
      expect(down?.body.checks.database).toBe('failing');
      expect((await probe(`${base}/healthz`)).status).toBe(200);
      const m = parsePrometheus(await (await fetch(`${base}/metrics`)).text());
      expect(m.sum('sc_project_database_up')).toBe(0);
      expect(m.sum('sc_project_database_outage_seconds')).toBeGreaterThan(2);
      expect(m.sum('sc_project_ready')).toBe(0);
    } finally {
      await startServices();
    }
    // Ready (200) comes first; the database check says up once a transaction committed again (a
    // processor still in its backoff counts as failing, below the not-ready threshold).
    await waitFor('ready again', async () => {
      const p = await probe(`${base}/readyz`);
      return p.status === 200 && p.body.checks.database === 'up';
    }, { timeoutMs: 90_000, intervalMs: 500 });
    expect((await probe(`${base}/readyz`)).body).toMatchObject({ status: 'ok', reasons: [], checks: { database: 'up' } });
    await waitDrained(db.url, spec.group, topics, 120_000);
    const m = parsePrometheus(await (await fetch(`${base}/metrics`)).text());
    expect(m.sum('sc_project_database_up')).toBe(1);
    expect(m.sum('sc_project_database_outage_seconds')).toBe(0);
    expect(await stopChild(run), run.tail()).toEqual({ code: 0, signal: null });
    expect(engineErrors(run.lines)).toEqual([]);
  });
});
