/**
 * The compiled plan of a spec set that uses every operation, option, value form and column type,
 * pinned as a golden file. A change to it is a change to what `run` does: review the diff.
 */
import { describe, expect, it } from 'vitest';
import { validatePaths } from '../validate/index.js';
import type { InsertOp, IncrementOp, Operation, Plan, UpdateOp } from './plan.js';

const SPEC = 'test/fixtures/specs/every-op.yaml';

function plan(): Plan {
  const v = validatePaths([SPEC]);
  expect(v.diagnostics).toEqual([]);
  if (v.plan === undefined) throw new Error('no plan');
  return v.plan;
}

function op<K extends Operation['kind']>(p: Plan, projection: string, event: string, i: number, kind: K): Extract<Operation, { kind: K }> {
  const o = p.projections.find((x) => x.name === projection)?.handlers[event]?.[i];
  if (o?.kind !== kind) throw new Error(`${projection} ${event}[${i}] is ${o?.kind ?? 'missing'}, not ${kind}`);
  return o as Extract<Operation, { kind: K }>;
}

describe('every-op plan', () => {
  it('matches the golden file', async () => {
    await expect(JSON.stringify(plan(), null, 2) + '\n').toMatchFileSnapshot('../../test/golden/plans/every-op.json');
  });

  it('appends the version assignment to guarded inserts and updates, and to on_conflict update', () => {
    const p = plan();
    const created = op(p, 'every-op', 'thing.created', 0, 'insert');
    expect(created.guard).toBe('entity_version');
    expect(created.values.at(-1)).toEqual({ mode: 'set', column: 'entity_version', value: { kind: 'path', root: 'event', path: '$.entity_version' } });
    expect(created.onConflict).toEqual({ action: 'update', columns: ['name', 'title', 'parts', 'weight', 'price', 'active', 'created_at', 'doc', 'is_big', 'label', 'entity_version'] });
    const renamed = op(p, 'every-op', 'thing.renamed', 0, 'update');
    expect(renamed.guard).toBe('entity_version');
    expect(renamed.set.map((a) => `${a.mode} ${a.column}`)).toEqual(['set name', 'keep_if_missing title', 'set entity_version']);
    expect(op(p, 'every-op', 'thing.activated', 0, 'update').guard).toBe('entity_version');
    expect(op(p, 'every-op', 'thing.removed', 0, 'delete').guard).toBe('entity_version');
  });

  it('leaves guard: false operations and tables without a version unguarded', () => {
    const p = plan();
    const tagged: UpdateOp = op(p, 'every-op', 'thing.tagged', 0, 'update');
    expect(tagged.guard).toBeUndefined();
    expect(tagged.set.map((a) => a.column)).toEqual(['doc']);
    expect(op(p, 'every-op', 'thing.created', 1, 'insert').guard).toBeUndefined();
    expect(op(p, 'every-op', 'thing.removed', 1, 'delete').guard).toBeUndefined();
  });

  it('defaults where to the single key column = the envelope entity', () => {
    const p = plan();
    const entity = (path: string) => [{ mode: 'set', column: 'id', value: { kind: 'path', root: 'event', path } }];
    expect(op(p, 'every-op', 'thing.renamed', 0, 'update').where).toEqual(entity('$.entity_id'));
    expect(op(p, 'every-op', 'thing.removed', 0, 'delete').where).toEqual(entity('$.entity_id'));
    const audit: IncrementOp = op(p, 'every-op-audit', 'thing.created', 1, 'increment');
    expect(audit.where).toEqual([{ mode: 'set', column: 'entity', value: { kind: 'path', root: 'event', path: '$.meta.entity' } }]);
  });

  it('compiles decrement as an increment with sign -1', () => {
    const p = plan();
    expect(op(p, 'every-op', 'thing.created', 2, 'increment').sign).toBe(1);
    const dec = op(p, 'every-op', 'thing.removed', 2, 'increment');
    expect(dec.sign).toBe(-1);
    expect(dec.createMissing).toBe(true);
    expect(dec.set).toEqual([{ mode: 'keep_if_missing', column: 'note', value: { kind: 'path', root: 'event', path: '$.data.reason' } }]);
  });

  it('fills the implicit columns of a log from the envelope, before the declared ones', () => {
    const p = plan();
    const log: InsertOp = op(p, 'every-op-audit', 'thing.created', 0, 'insert');
    expect(log.log).toBe(true);
    expect(log.values.map((v) => [v.column, v.mode === 'replace_in' ? null : v.value])).toEqual([
      ['event_id', { kind: 'path', root: 'event', path: '$.meta.id' }],
      ['event_type', { kind: 'path', root: 'event', path: '$.code' }],
      ['event_timestamp', { kind: 'path', root: 'event', path: '$.meta.at' }],
      ['event_data', { kind: 'json', value: { kind: 'path', root: 'event', path: '$.payload' } }],
    ]);
    expect(op(p, 'every-op', 'thing.created', 3, 'insert').values.map((v) => v.column)).toEqual(['event_id', 'event_type', 'event_timestamp', 'event_data', 'source']);
  });

  it('adds the implicit columns to the table definitions', () => {
    const p = plan();
    const things = p.tables.find((t) => t.name === 'things');
    expect(things?.columns.at(-1)).toEqual({ name: 'entity_version', type: 'bigint', nullable: false, default: 0, implicit: true });
    const log = p.tables.find((t) => t.name === 'audit_log');
    expect(log?.key).toEqual(['event_id']);
    expect(log?.columns.map((c) => c.name)).toEqual(['event_id', 'event_type', 'event_timestamp', 'event_data']);
  });

  it('groups projections by consumer group, topics sorted', () => {
    expect(plan().groups).toEqual([
      { group: 'every-op', topics: ['t.parts', 't.things'], projections: ['every-op'] },
      { group: 'every-op-audit', topics: ['t.things'], projections: ['every-op-audit'] },
    ]);
  });
});
