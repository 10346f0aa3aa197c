import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { silentLogger } from './log.js';
import { createRuntime } from '../runtime.js';
import { collectStatus, formatStatus } from './status.js';

describe('status without brokers (an embedded run)', () => {
  it('reports the stored positions, the last commit and the dead letters of the table', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sc-status-'));
    try {
      const url = `sqlite:${join(dir, 'x.db')}`;
      const rt = await createRuntime({ config: 'projections', databaseUrl: url, from: 'test/fixtures/examples.ndjson', logger: silentLogger, statsInterval: 0 });
      await rt.start();
      const summary = await rt.done;
      const before = await collectStatus({ plan: rt.plan, databaseUrl: url });
      const groups = Object.keys(summary.groups);
      expect(before.groups.map((g) => g.group).sort()).toEqual([...rt.plan.groups.map((g) => g.group)].sort());
      const withPositions = before.groups.filter((g) => g.partitions.length > 0);
      expect(withPositions.length).toBeGreaterThan(0);
      for (const g of withPositions) {
        expect(g.lag).toBeNull();
        expect(g.lastCommitAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
        for (const p of g.partitions) expect(p).toMatchObject({ partition: 0, committed: null, end: null, lag: null });
        expect(g.partitions[0]?.stored).toBeGreaterThan(0);
      }
      const dead = Object.values(summary.groups).reduce((a, s) => a + s.deadLettered, 0);
      expect(before.deadLetters.reduce((a, d) => a + d.count, 0)).toBe(dead);
      // The run recorded what built the tables: the specs on disk are those.
      expect(before.specs.state).toBe('match');
      expect(before.specs.details?.map((d) => d.projection).sort()).toEqual(rt.plan.projections.map((p) => p.name).sort());
      expect(groups.length).toBeGreaterThan(0);
      const text = formatStatus(before, 'text');
      expect(text).toContain(`group ${withPositions[0]?.group}: lag unknown (no brokers), last commit 20`);
      expect(JSON.parse(formatStatus(before, 'json'))).toEqual(before);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it('reads an empty database (no engine tables yet) as nothing applied', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sc-status-'));
    try {
      const rt = await createRuntime({ config: 'projections', databaseUrl: 'sqlite::memory:', from: 'x', logger: silentLogger });
      const r = await collectStatus({ plan: rt.plan, databaseUrl: `sqlite:${join(dir, 'empty.db')}`, maxLag: 0 });
      expect(r.groups.every((g) => g.partitions.length === 0 && g.lastCommitAt === null)).toBe(true);
      expect(r.deadLetters).toEqual([]);
      expect(r.specs).toEqual({ state: 'not recorded' });
      expect(r.overMaxLag).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
