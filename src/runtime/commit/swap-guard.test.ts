import { describe, expect, it } from 'vitest';
import { SwapGuard } from './swap-guard.js';
import { posKey } from './positions.js';
import { partitionLockName } from '../rebuild/swap-lock.js';
import { SpecChangedError } from '../lifecycle/spec-watch.js';

const watch = { projections: ['p1', 'p2'], expected: 'p1=a,p2=b' };

describe('SwapGuard.of', () => {
  it('holds each partition\'s lock under the group\'s name, sorted, where the dialect has named locks', () => {
    const g = new SwapGuard({ group: 'g', dialect: 'mysql' });
    const keys = [posKey('t', 1), posKey('t', 0)];
    expect(g.of(keys)).toEqual({ locks: [partitionLockName('g', 't', 1), partitionLockName('g', 't', 0)].sort() });
    // The names are cached: the same guard again.
    expect(g.of(keys)).toEqual(g.of(keys));
  });

  it('takes no locks on SQLite or when told not to, and no guard at all without a spec watch', () => {
    expect(new SwapGuard({ group: 'g', dialect: 'sqlite' }).of([posKey('t', 0)])).toBeUndefined();
    expect(new SwapGuard({ group: 'g', dialect: 'mysql', partitionLocks: false }).of([posKey('t', 0)])).toBeUndefined();
  });

  it('asks for the fingerprints of the watched projections', () => {
    expect(new SwapGuard({ group: 'g', dialect: 'sqlite', specWatch: watch }).of([posKey('t', 0)])).toEqual({ locks: [], fingerprints: ['p1', 'p2'] });
  });
});

describe('SwapGuard.check', () => {
  const g = new SwapGuard({ group: 'g', dialect: 'sqlite', specWatch: watch });

  it('passes when the stored fingerprints are the expected ones, or when nothing was read', () => {
    g.check({ fingerprints: 'p1=a,p2=b' });
    g.check({});
    new SwapGuard({ group: 'g', dialect: 'sqlite' }).check({ fingerprints: 'anything' });
  });

  it('rolls back with SpecChangedError when they changed, or were removed', () => {
    expect(() => g.check({ fingerprints: 'p1=a,p2=c' })).toThrow(SpecChangedError);
    expect(() => g.check({ fingerprints: null })).toThrow(SpecChangedError);
  });
});
