import { describe, expect, it } from 'vitest';
import { partitionLockName } from './swap-lock.js';

describe('partitionLockName', () => {
  it('is at most 64 characters, stable, and distinct per group, topic and partition', () => {
    const a = partitionLockName('g'.repeat(128), 't'.repeat(249), 7);
    expect(a.length).toBeLessThanOrEqual(64);
    expect(partitionLockName('g', 't', 1)).toBe(partitionLockName('g', 't', 1));
    const names = new Set([partitionLockName('g', 't', 1), partitionLockName('g', 't', 2), partitionLockName('g', 'u', 1), partitionLockName('h', 't', 1), partitionLockName('g', 't1', 1)]);
    expect(names.size).toBe(5);
  });
});
