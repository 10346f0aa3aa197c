import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { applyDdl } from '../../sql/apply.js';
import { ENGINE_TABLES } from '../../sql/engine-tables.js';
import { parseSpecText } from '../../spec/load.js';
import { validateLoaded } from '../../validate/index.js';
import { silentLogger } from './log.js';
import { GroupProcessor } from '../commit/processor.js';
import { groupRoutes } from '../apply/routes.js';
import { openSqliteSink } from '../sinks/sqlite.js';
import { parsePrometheus } from '../../../test/helpers/prometheus.js';
import { liveness, readiness, type HealthState } from './health.js';
import { parseListen, startOpsServer } from './http-server.js';
import { computeLag } from './lag.js';
import { EngineMetrics, METRIC_NAMES, rowsKey } from './metrics.js';
import { newStats } from './stats.js';
import { VERSION } from '../version.js';
import { TABLE_DEAD_LETTERS } from '../outputs/dead-letters/index.js';

describe('metrics registry', () => {
  it('exposes group stats, observed batches, lag and build info in its own registry', async () => {
    const m = new EngineMetrics({ defaultMetrics: false });
    const other = new EngineMetrics({ defaultMetrics: false });
    const stats = { ...newStats(), events: 10, applied: 6, duplicates: 2, alreadyApplied: 1, skippedUnhandled: 1, batches: 2, statements: 5, retries: 3 };
    m.bind({
      groups: () => [{ group: 'g1', stats }],
      lag: () => [{ group: 'g1', topic: 't', partition: 0, end: 12, stored: 10, lag: 2 }],
      databaseDownSince: () => undefined,
      ready: () => true,
      outputs: () => ({ hook: { batchesSent: 2, recordsSent: 7, retries: 1, batchesRejected: 0, buffered: { a: 3 }, pendingRecords: 2 } }),
    });
    const o = m.observer('g1');
    o.committed(0.02, 7, new Map([['p1', 4]]), new Map([['', 1]]), new Map([[rowsKey('widgets', 'insert'), 3]]));
    o.committed(0.5, 3, new Map([['p1', 2]]), new Map(), new Map([[rowsKey('widgets', 'insert'), 1], [rowsKey('widgets', 'update'), 2]]));
    m.outputs.delivered('hook', 5, 1200);
    m.outputs.retried('hook');
    const x = parsePrometheus((await m.scrape()).body);
    expect(x.types.get(METRIC_NAMES.messages)).toBe('counter');
    expect(x.sum(METRIC_NAMES.messages, { group: 'g1', outcome: 'applied' })).toBe(6);
    expect(x.get(METRIC_NAMES.messages, { outcome: 'applied' })[0]?.labels).toEqual({ group: 'g1', projection: 'p1', outcome: 'applied' });
    expect(x.sum(METRIC_NAMES.messages, { outcome: 'duplicate' })).toBe(2);
    expect(x.sum(METRIC_NAMES.messages, { outcome: 'already_applied' })).toBe(1);
    expect(x.sum(METRIC_NAMES.messages, { outcome: 'skipped' })).toBe(1);
    expect(x.sum(METRIC_NAMES.messages, { outcome: 'dead_lettered' })).toBe(1);
    expect(x.sum(METRIC_NAMES.rows, { table: 'widgets', operation: 'insert' })).toBe(4);
    expect(x.sum(METRIC_NAMES.rows, { table: 'widgets', operation: 'update' })).toBe(2);
    expect(x.sum(METRIC_NAMES.batches)).toBe(2);
    expect(x.sum(METRIC_NAMES.retries)).toBe(3);
    expect(x.sum(`${METRIC_NAMES.batchSize}_count`)).toBe(2);
    expect(x.sum(`${METRIC_NAMES.batchSize}_sum`)).toBe(10);
    expect(x.sum(`${METRIC_NAMES.commit}_bucket`, { le: '0.025' })).toBe(1);
    expect(x.sum(`${METRIC_NAMES.commit}_bucket`, { le: '+Inf' })).toBe(2);
    expect(x.get(METRIC_NAMES.lag)).toEqual([{ name: METRIC_NAMES.lag, labels: { group: 'g1', topic: 't', partition: '0' }, value: 2 }]);
    expect(x.sum(METRIC_NAMES.databaseUp)).toBe(1);
    expect(x.sum(METRIC_NAMES.ready)).toBe(1);
    // An output's own counters plus what it reported through `outputs`.
    expect(x.sum(METRIC_NAMES.outputDeliveries, { output: 'hook' })).toBe(3);
    expect(x.sum(METRIC_NAMES.outputMessages, { output: 'hook' })).toBe(12);
    expect(x.sum(METRIC_NAMES.outputBytes, { output: 'hook' })).toBe(1200);
    expect(x.sum(METRIC_NAMES.outputRetries, { output: 'hook' })).toBe(2);
    expect(x.sum(METRIC_NAMES.outputWaiting, { output: 'hook' })).toBe(5);
    expect(x.get(METRIC_NAMES.buildInfo)[0]?.labels.version).toBe(VERSION);
    // Scraping twice does not double what is read from the stats.
    expect(parsePrometheus((await m.scrape()).body).sum(METRIC_NAMES.messages, { outcome: 'duplicate' })).toBe(2);
    // Another runtime's registry knows nothing of this one's groups.
    expect(parsePrometheus((await other.scrape()).body).get(METRIC_NAMES.messages)).toEqual([]);
  });

  it('counts the database as down while a processor retries, until a unit commits', () => {
    const m = new EngineMetrics({ defaultMetrics: false });
    const o = m.observer('g');
    expect(m.retrying()).toBe(false);
    o.unavailable(true);
    expect(m.retrying()).toBe(true);
    o.committed(0.1, 1, new Map(), new Map(), new Map());
    expect(m.retrying()).toBe(false);
  });

  it('names every metric by Prometheus conventions', () => {
    for (const name of Object.values(METRIC_NAMES)) {
      expect(name).toMatch(/^sc_project_[a-z_]+$/);
      if (name.endsWith('_total')) expect(name).not.toMatch(/_seconds_total$|_bytes$/);
    }
  });
});

describe('lag', () => {
  it('is the end offset minus the stored position, from the low watermark when nothing is stored', () => {
    const lag = computeLag('g', [
      { topic: 'b', partition: 0, low: 0, end: 10 },
      { topic: 'a', partition: 1, low: 5, end: 9 },
      { topic: 'a', partition: 0, low: 0, end: 7 },
      { topic: 'a', partition: 2, low: 0, end: 0 },
    ], new Map([['b/0', 10], ['a/0', 3]]));
    expect(lag.map((l) => [l.topic, l.partition, l.stored, l.lag])).toEqual([['a', 0, 3, 4], ['a', 1, undefined, 4], ['a', 2, undefined, 0], ['b', 0, 10, 0]]);
  });
});

describe('health', () => {
  const base: HealthState = { now: 100_000, started: true, stopping: false, groups: [{ group: 'g', joined: true }], lastTick: 99_000, tickIntervalMs: 5000, outageThresholdMs: 15_000 };
  it('is ready when started, joined and the database answers', () => {
    expect(readiness(base)).toMatchObject({ ok: true, reasons: [] });
    expect(readiness({ ...base, started: false }).reasons).toEqual(['starting']);
    expect(readiness({ ...base, groups: [{ group: 'g', joined: false }] }).reasons).toEqual(['group g has not joined (rebalancing or crashed)']);
  });
  it('stays ready through a short outage, not through a long one, never after a fatal error', () => {
    expect(readiness({ ...base, databaseDownSince: 90_000 }).ok).toBe(true);
    const long = readiness({ ...base, databaseDownSince: 80_000 });
    expect(long.ok).toBe(false);
    expect(long.reasons).toEqual(['the database has been failing for 20 s']);
    expect(long.checks).toMatchObject({ database: 'failing', database_outage_s: 20 });
    expect(readiness({ ...base, fatal: 'table missing' }).reasons).toEqual(['a group stopped on a fatal error: table missing']);
  });
  it('is alive while the monitor loop turns', () => {
    expect(liveness(base).ok).toBe(true);
    expect(liveness({ ...base, lastTick: 80_000 })).toMatchObject({ ok: false, reasons: ['the monitor loop has not turned for 20 s'] });
  });
});

describe('ops server', () => {
  it('parses listen addresses, loopback by default', () => {
    expect(parseListen('9464')).toEqual({ host: '127.0.0.1', port: 9464 });
    expect(parseListen(':9464')).toEqual({ host: '127.0.0.1', port: 9464 });
    expect(parseListen('0.0.0.0:80')).toEqual({ host: '0.0.0.0', port: 80 });
    expect(parseListen('[::1]:9464')).toEqual({ host: '::1', port: 9464 });
    expect(parseListen('host:99999')).toBeUndefined();
    expect(parseListen('nope')).toBeUndefined();
  });

  it('serves /metrics, /healthz and /readyz with JSON reasons', async () => {
    let ready = true;
    const s = await startOpsServer({ host: '127.0.0.1', port: 0 }, {
      metrics: async () => ({ contentType: 'text/plain; version=0.0.4', body: 'x 1\n' }),
      health: () => ({ ok: true, reasons: [], checks: {} }),
      ready: () => (ready ? { ok: true, reasons: [], checks: {} } : { ok: false, reasons: ['the database has been failing for 20 s'], checks: { database: 'failing' } }),
    });
    try {
      const url = `http://127.0.0.1:${s.port}`;
      expect(await (await fetch(`${url}/metrics`)).text()).toBe('x 1\n');
      expect((await fetch(`${url}/healthz`)).status).toBe(200);
      expect(await (await fetch(`${url}/readyz`)).json()).toEqual({ status: 'ok', reasons: [], checks: {} });
      ready = false;
      const r = await fetch(`${url}/readyz`);
      expect(r.status).toBe(503);
      expect(await r.json()).toEqual({ status: 'fail', reasons: ['the database has been failing for 20 s'], checks: { database: 'failing' } });
      expect((await fetch(`${url}/nope`)).status).toBe(404);
    } finally {
      await s.close();
    }
  });
});

describe('metrics of a processor', () => {
  it('count applied per projection exactly as the stats do (missed events are not applied), and rows by table and operation', async () => {
    const text = `
projection: tallies
group: g
topics: [t]
tables:
  tallies:
    key: [id]
    columns:
      id: { type: string, length: 16 }
      n: { type: int, default: 0 }
on:
  tally.created:
    - insert: tallies
      set: { id: $.data.id }
  tally.bumped:
    - increment: tallies
      where: { id: $.data.id }
      by: { n: $.data.by }
      on_missing: skip
`;
    const v = validateLoaded(parseSpecText('spec.yaml', text));
    expect(v.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const plan = v.plan;
    if (plan === undefined) throw new Error('no plan');
    const dir = mkdtempSync(join(tmpdir(), 'sc-metrics-'));
    const url = `sqlite:${join(dir, 'db.sqlite')}`;
    await applyDdl(url, [...plan.tables, ...ENGINE_TABLES]);
    const sink = openSqliteSink(url);
    try {
      const m = new EngineMetrics({ defaultMetrics: false });
      const stats = newStats();
      m.bind({ groups: () => [{ group: 'g', stats }], lag: () => [], databaseDownSince: () => undefined, ready: () => true });
      const p = new GroupProcessor({ sink, routes: groupRoutes(plan, 'g'), deadLetters: TABLE_DEAD_LETTERS, stats, log: silentLogger, observer: m.observer('g') });
      const events: Array<[string, Record<string, unknown>]> = [
        ['tally.created', { id: 'a' }], ['tally.created', { id: 'b' }], ['tally.bumped', { id: 'a', by: 2 }], ['tally.bumped', { by: 1 }], ['tally.unknown', {}], ['not json', {}],
      ];
      await p.process(events.map(([type, data], i) => ({
        topic: 't', partition: 0, offset: i, key: null,
        value: type === 'not json' ? Buffer.from('{oops') : Buffer.from(JSON.stringify({ event_type: type, event_id: `e${i}`, entity_id: 'x', data })),
      })));
      await p.process([{ topic: 't', partition: 0, offset: 0, key: null, value: Buffer.from('{}') }]);
      const x = parsePrometheus((await m.scrape()).body);
      expect(stats).toMatchObject({ events: 6, applied: 3, missed: 1, skippedUnhandled: 1, deadLettered: 1, alreadyApplied: 1 });
      const outcome = (o: string) => x.sum(METRIC_NAMES.messages, { group: 'g', outcome: o });
      expect({ applied: outcome('applied'), missed: outcome('missed'), skipped: outcome('skipped'), dead: outcome('dead_lettered'), already: outcome('already_applied') })
        .toEqual({ applied: 3, missed: 1, skipped: 1, dead: 1, already: 1 });
      expect(x.get(METRIC_NAMES.messages, { outcome: 'applied' }).map((s) => s.labels.projection)).toEqual(['tallies']);
      expect(x.sum(METRIC_NAMES.rows, { table: 'tallies', operation: 'insert' })).toBe(2);
      expect(x.sum(METRIC_NAMES.rows, { table: 'tallies' })).toBe(3);
      expect(x.sum(`${METRIC_NAMES.commit}_count`)).toBe(stats.batches);
    } finally {
      await sink.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 30_000);
});
