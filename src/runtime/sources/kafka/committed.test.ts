/** Committed offsets on a fresh broker: the coordinator still loading is waited for, other errors are not. */
import { describe, expect, it } from 'vitest';
import { fetchCommitted } from './committed.js';

const coordinatorLoading = (): Error => Object.assign(new Error('This is not the correct coordinator for this group'), { retriable: true, type: 'NOT_COORDINATOR_FOR_GROUP' });
const answer = [{ topic: 't', partitions: [{ partition: 0, offset: '5', metadata: null }] }];

describe('fetchCommitted', () => {
  it('retries while the coordinator is not ready, with growing waits', async () => {
    let calls = 0;
    const waits: number[] = [];
    const admin = { fetchOffsets: async () => { if (++calls < 4) throw coordinatorLoading(); return answer; } };
    expect(await fetchCommitted(admin, 'g', ['t'], async (ms) => { waits.push(ms); })).toEqual(answer);
    expect(waits).toEqual([100, 200, 400]);
  });
  it('gives up after about 25 s, and at once on an error that is not retriable', async () => {
    const waits: number[] = [];
    await expect(fetchCommitted({ fetchOffsets: async () => { throw coordinatorLoading(); } }, 'g', ['t'], async (ms) => { waits.push(ms); })).rejects.toThrow('not the correct coordinator');
    expect(waits.reduce((a, b) => a + b, 0)).toBe(25_500);
    let calls = 0;
    await expect(fetchCommitted({ fetchOffsets: async () => { calls++; throw new Error('Invalid groupId'); } }, 'g', ['t'], async () => undefined)).rejects.toThrow('Invalid groupId');
    expect(calls).toBe(1);
  });
});
