import { describe, expect, it } from 'vitest';
import { buildLimit, swapDecision } from './swap-targets.js';

describe('swap targets', () => {
  it('is ready when the shadow stands at every live position; the live group keeps its own', () => {
    const d = swapDecision([{ topic: 't', partition: 0, live: 10, shadow: 10 }, { topic: 't', partition: 1, live: 5, shadow: 5 }], { others: false, toEnd: true });
    expect(d).toMatchObject({ ready: true, remaining: 0, moves: [] });
  });

  it('counts what the shadow still has to apply and is not ready before', () => {
    const d = swapDecision([{ topic: 't', partition: 0, live: 10, shadow: 4 }, { topic: 't', partition: 1, live: 5, low: 0 }], { others: false, toEnd: true });
    expect(d.ready).toBe(false);
    expect(d.remaining).toBe(11);
  });

  it('without a live position: to the end (toEnd) or where the shadow stands, handed to the live group', () => {
    const parts = [{ topic: 't', partition: 0, shadow: 7, end: 9, low: 0 }];
    expect(swapDecision(parts, { others: false, toEnd: true })).toMatchObject({ ready: false, remaining: 2 });
    const d = swapDecision(parts, { others: false, toEnd: false });
    expect(d).toMatchObject({ ready: true, moves: [{ topic: 't', partition: 0, nextOffset: 7, hadLive: false }] });
    // An empty partition moves nothing.
    expect(swapDecision([{ topic: 't', partition: 0, low: 0, end: 0 }], { others: false, toEnd: true })).toMatchObject({ ready: true, moves: [] });
  });

  it('a live group with other projections: nothing applied where it has no position, and the shadow past it is a conflict', () => {
    expect(swapDecision([{ topic: 't', partition: 0, low: 0, end: 9 }], { others: true, toEnd: true })).toMatchObject({ ready: true, moves: [] });
    expect(swapDecision([{ topic: 't', partition: 0, shadow: 3 }], { others: true, toEnd: true }).conflict).toMatch(/t\/0/);
    expect(swapDecision([{ topic: 't', partition: 0, shadow: 12, live: 10 }], { others: true, toEnd: true }).conflict).toMatch(/past the live group/);
    expect(buildLimit(undefined, true)).toBe(0);
    expect(buildLimit(undefined, false)).toBeUndefined();
    expect(buildLimit(4, true)).toBe(4);
  });

  it('the shadow past a live position stored late (only rebuilt projections in the group): the live group takes the shadow\'s', () => {
    const d = swapDecision([{ topic: 't', partition: 0, shadow: 12, live: 10 }], { others: false, toEnd: true });
    expect(d).toMatchObject({ ready: true, moves: [{ nextOffset: 12, hadLive: true }] });
  });
});
