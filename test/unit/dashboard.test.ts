/**
 * The Grafana dashboard in ops/: valid dashboard JSON (what Grafana needs to import it), and every
 * metric its queries name exists in the engine's registry, so a renamed metric cannot leave a
 * silently empty panel.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { EngineMetrics } from '../../src/runtime/ops/metrics.js';

interface Target { refId: string; expr: string }
interface Panel { id: number; type: string; title: string; gridPos: { x: number; y: number; w: number; h: number }; targets: Target[]; datasource: { type: string; uid: string } }
interface Dashboard { title: string; uid: string; schemaVersion: number; panels: Panel[]; templating: { list: Array<{ name: string; type: string }> }; time: { from: string; to: string } }

const dashboard = JSON.parse(readFileSync(new URL('../../ops/grafana-dashboard.json', import.meta.url), 'utf8')) as Dashboard;

async function registryNames(): Promise<Set<string>> {
  const m = new EngineMetrics();
  const names = new Set<string>();
  for (const x of await m.registry.getMetricsAsJSON()) {
    names.add(x.name);
    if (String(x.type) === 'histogram') for (const s of ['_bucket', '_sum', '_count']) names.add(x.name + s);
  }
  return names;
}

describe('Grafana dashboard', () => {
  it('is dashboard JSON Grafana imports', () => {
    expect(dashboard.title).toBe('sc-project');
    expect(dashboard.uid).toMatch(/^[a-zA-Z0-9_-]{1,40}$/);
    expect(dashboard.schemaVersion).toBeGreaterThanOrEqual(36);
    expect(dashboard.time).toEqual({ from: expect.any(String), to: expect.any(String) });
    expect(dashboard.templating.list.map((v) => v.name)).toEqual(expect.arrayContaining(['datasource', 'group']));
    const ids = dashboard.panels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const p of dashboard.panels) {
      expect(['timeseries', 'stat'], p.title).toContain(p.type);
      expect(p.datasource.type).toBe('prometheus');
      expect(p.gridPos.x + p.gridPos.w, p.title).toBeLessThanOrEqual(24);
      expect(p.gridPos.h).toBeGreaterThan(0);
      expect(p.targets.length, p.title).toBeGreaterThan(0);
      for (const t of p.targets) {
        expect(t.refId).toMatch(/^[A-Z]$/);
        // Balanced brackets: a typo in a query is caught here, not on a dashboard at 3 am.
        for (const [open, close] of [['(', ')'], ['{', '}'], ['[', ']']] as const) expect(t.expr.split(open).length, t.expr).toBe(t.expr.split(close).length);
      }
    }
  });

  it('shows throughput, lag, commit latency, dead letters and retries', () => {
    const exprs = dashboard.panels.flatMap((p) => p.targets.map((t) => t.expr)).join('\n');
    for (const needed of ['sc_project_messages_total', 'sc_project_consumer_lag_messages', 'sc_project_commit_duration_seconds_bucket', 'outcome="dead_lettered"', 'sc_project_database_retries_total']) expect(exprs).toContain(needed);
  });

  it('names only metrics that exist', async () => {
    const names = await registryNames();
    const used = new Set(dashboard.panels.flatMap((p) => p.targets.flatMap((t) => t.expr.match(/\bsc_project_[a-z0-9_]+/g) ?? [])));
    expect(used.size).toBeGreaterThan(10);
    expect([...used].filter((n) => !names.has(n))).toEqual([]);
  });
});

describe('starter alert rules', () => {
  const rules = parse(readFileSync(new URL('../../ops/alerts.yaml', import.meta.url), 'utf8')) as { groups: Array<{ name: string; rules: Array<{ alert: string; expr: string; annotations: { summary: string } }> }> };

  it('is a Prometheus rule file covering lag, dead letters and readiness', () => {
    const alerts = rules.groups.flatMap((g) => g.rules);
    expect(alerts.map((a) => a.alert)).toEqual(expect.arrayContaining(['ScProjectLagGrowing', 'ScProjectDeadLetters', 'ScProjectNotReady']));
    for (const a of alerts) {
      expect(a.expr.length, a.alert).toBeGreaterThan(0);
      expect(a.annotations.summary.length, a.alert).toBeGreaterThan(0);
    }
  });

  it('names only metrics that exist', async () => {
    const names = await registryNames();
    const used = new Set(rules.groups.flatMap((g) => g.rules.flatMap((r) => r.expr.match(/\bsc_project_[a-z0-9_]+/g) ?? [])));
    expect(used.size).toBeGreaterThan(3);
    expect([...used].filter((n) => !names.has(n))).toEqual([]);
  });
});
