import { describe, expect, it } from 'vitest';
import type { Plan } from './plan.js';
import { MAX_GROUP_NAME, MAX_TABLE_NAME, shadowGroupName, shadowPlan, ShadowPlanError, shadowTableName } from './shadow.js';
import { parseSpecText } from '../spec/load.js';
import { validateLoaded } from '../validate/index.js';

function planOf(...specs: string[]): Plan {
  const loaded = specs.map((s, i) => parseSpecText(`s${i}.yaml`, s));
  const v = validateLoaded({ documents: loaded.flatMap((l) => l.documents), diagnostics: loaded.flatMap((l) => l.diagnostics), files: loaded.flatMap((l) => l.files) });
  expect(v.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  return v.plan as Plan;
}

const spec = (name: string, group: string, table: string, extra = '') => `projection: ${name}
group: ${group}
topics: [t.${name}]
tables:
  ${table}:
    key: [id]
    indexes: [[v]]
    columns:
      id: { type: string, length: 64 }
      v:  { type: int, default: 0 }
on:
  thing.created:
    - insert: ${table}
      set: { id: $.entity_id, v: $.data.v }
      on_conflict: { update: [v] }
${extra}`;

describe('shadow plan', () => {
  it('keeps only the named projections, their tables renamed to __next, their group derived', () => {
    const plan = planOf(spec('alpha', 'g1', 'alpha_rows'), spec('beta', 'g1', 'beta_rows'), spec('gamma', 'g2', 'gamma_rows'));
    const sp = shadowPlan(plan, ['alpha']);
    expect(sp.plan.projections.map((p) => p.name)).toEqual(['alpha']);
    expect(sp.plan.projections[0]?.group).toBe('g1.rebuild');
    expect(sp.plan.tables.map((t) => t.name)).toEqual(['alpha_rows__next']);
    expect(sp.plan.projections[0]?.tables).toEqual(['alpha_rows__next']);
    expect(Object.values(sp.plan.projections[0]?.handlers ?? {}).flat().map((op) => op.table)).toEqual(['alpha_rows__next']);
    expect(sp.plan.groups).toEqual([{ group: 'g1.rebuild', topics: ['t.alpha'], projections: ['alpha'] }]);
    expect(sp.renames).toEqual([{ live: 'alpha_rows', next: 'alpha_rows__next', old: 'alpha_rows__old' }]);
    // beta shares the live group: it is not rebuilt, and the swap must know it is there.
    expect(sp.groups).toEqual([{ live: 'g1', shadow: 'g1.rebuild', rebuilt: ['alpha'], others: ['beta'] }]);
    // The live plan is untouched.
    expect(plan.tables.map((t) => t.name)).toEqual(['alpha_rows', 'beta_rows', 'gamma_rows']);
  });

  it('names the shadow indexes from the base it is given', () => {
    const sp = shadowPlan(planOf(spec('alpha', 'g1', 'alpha_rows')), ['alpha'], { indexBase: (live) => `${live}__abc123` });
    expect(sp.plan.tables[0]?.indexBase).toBe('alpha_rows__abc123');
  });

  it('keeps long names within 63 characters (PostgreSQL\'s limit) and distinct', () => {
    expect(MAX_TABLE_NAME).toBe(63);
    const long = 'x'.repeat(60);
    const names = [long, `${long}a`, `${long}b`, 'y'.repeat(63)];
    const out = names.flatMap((n) => [shadowTableName(n, '__next'), shadowTableName(n, '__old')]);
    for (const n of out) expect(n.length).toBeLessThanOrEqual(MAX_TABLE_NAME);
    expect(new Set(out).size).toBe(out.length);
    expect(shadowTableName('short', '__next')).toBe('short__next');
    const g = shadowGroupName('g'.repeat(128));
    expect(g.length).toBeLessThanOrEqual(MAX_GROUP_NAME);
    expect(g).not.toBe(shadowGroupName(`${'g'.repeat(127)}h`));
    expect(shadowGroupName('grp')).toBe('grp.rebuild');
  });

  it('refuses unknown projections and tables another projection writes', () => {
    const plan = planOf(spec('alpha', 'g1', 'alpha_rows'));
    expect(() => shadowPlan(plan, ['nope'])).toThrow(ShadowPlanError);
    expect(() => shadowPlan(plan, ['nope'])).toThrow(/no projection named nope/);
  });

  it('refuses a name that collides with a table of the specs', () => {
    const plan = planOf(spec('alpha', 'g1', 'alpha_rows'), spec('beta', 'g2', 'alpha_rows__next'));
    expect(() => shadowPlan(plan, ['alpha'])).toThrow(/alpha_rows__next is a table of the specs/);
  });
});
