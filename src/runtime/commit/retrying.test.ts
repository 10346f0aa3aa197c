import { describe, expect, it } from 'vitest';
import { decide, pause, retrying, type Clock, type RetryContext } from './retrying.js';
import { DataError, FatalError, PositionsChangedError, StoppedError } from './errors.js';
import { LockWaitError } from '../sinks/sink.js';
import { SpecChangedError } from '../lifecycle/spec-watch.js';
import type { Logger } from '../ops/log.js';

/** A clock whose sleep returns at once and moves time on by what was asked. */
function fakeClock(): Clock & { slept: number[] } {
  let t = 0;
  const slept: number[] = [];
  return { slept, now: () => t, sleep: async (ms) => { slept.push(ms); t += ms; } };
}

function context(clock: Clock) {
  const lines: Array<[string, string, Record<string, unknown> | undefined]> = [];
  const log: Logger = {
    info: (m, f) => { lines.push(['info', m, f]); },
    warn: (m, f) => { lines.push(['warn', m, f]); },
    error: (m, f) => { lines.push(['error', m, f]); },
  };
  const down: boolean[] = [];
  const ctx: RetryContext = { group: 'g', log, stats: { retries: 0 }, observer: { unavailable: (d) => { down.push(d); } }, backoff: { initialMs: 100, maxMs: 1000 }, clock, random: () => 1 };
  return { ctx, lines, down };
}

const lost = () => Object.assign(new Error('connection lost'), { code: 'PROTOCOL_CONNECTION_LOST' });
const tooLong = () => Object.assign(new Error('Data too long'), { errno: 1406 });
const noTable = () => Object.assign(new Error("Table 'x' doesn't exist"), { errno: 1146 });

describe('decide', () => {
  it('waits with backoff on a transient error, growing with the attempt', () => {
    expect(decide(lost(), 0, { initialMs: 100, maxMs: 1000 }, () => 1)).toEqual({ do: 'wait', delayMs: 100, swap: false });
    expect(decide(lost(), 3, { initialMs: 100, maxMs: 1000 }, () => 1)).toEqual({ do: 'wait', delayMs: 800, swap: false });
    expect(decide(lost(), 9, { initialMs: 100, maxMs: 1000 }, () => 1)).toEqual({ do: 'wait', delayMs: 1000, swap: false });
  });

  it('tells a swap wait from an outage', () => {
    expect(decide(new LockWaitError(['l'], 5), 0, { initialMs: 100, maxMs: 1000 }, () => 1)).toMatchObject({ do: 'wait', swap: true });
  });

  it('sorts data errors, fatal errors and the caller\'s own', () => {
    expect(decide(tooLong(), 0)).toEqual({ do: 'data' });
    expect(decide(noTable(), 0)).toEqual({ do: 'fatal' });
    expect(decide(new PositionsChangedError('t', 0, 5), 0)).toEqual({ do: 'throw' });
    expect(decide(new SpecChangedError('g', 'a', 'b'), 0)).toEqual({ do: 'throw' });
  });
});

describe('retrying', () => {
  it('tries again after each transient error until the work succeeds, reporting down then up', async () => {
    const clock = fakeClock();
    const { ctx, lines, down } = context(clock);
    let calls = 0;
    const out = await retrying(ctx, {}, () => 'the work', async () => {
      if (++calls < 3) throw lost();
      return 'ok';
    });
    expect(out).toBe('ok');
    expect(ctx.stats.retries).toBe(2);
    expect(down).toEqual([true, true, false]);
    expect(clock.slept).toEqual([100, 200]);
    expect(lines.map(([level, m, f]) => [level, m, f?.attempt, f?.what])).toEqual([
      ['warn', 'database unavailable, retrying', 1, 'the work'],
      ['warn', 'database unavailable, retrying', 2, 'the work'],
    ]);
  });

  it('waits out a swap without reporting the database down', async () => {
    const { ctx, lines, down } = context(fakeClock());
    let calls = 0;
    await retrying(ctx, {}, () => 'w', async () => { if (++calls === 1) throw new LockWaitError(['l'], 5); });
    expect(down).toEqual([false]);
    expect(lines[0]?.[0]).toBe('info');
    expect(lines[0]?.[2]?.lock_timeout_s).toBe(5);
  });

  it('turns a data error into DataError and a fatal one into FatalError, without retrying', async () => {
    const { ctx } = context(fakeClock());
    await expect(retrying(ctx, {}, () => 'w', async () => { throw tooLong(); })).rejects.toBeInstanceOf(DataError);
    const fatal = await retrying(ctx, {}, () => 'commit of t/0 offset 3', async () => { throw noTable(); }).catch((e: unknown) => e);
    expect(fatal).toBeInstanceOf(FatalError);
    expect((fatal as Error).message).toBe("group g: commit of t/0 offset 3 failed: Table 'x' doesn't exist");
    expect(ctx.stats.retries).toBe(0);
  });

  it('lets the caller\'s own errors through unchanged', async () => {
    const { ctx } = context(fakeClock());
    const e = new PositionsChangedError('t', 1, 7);
    await expect(retrying(ctx, {}, () => 'w', async () => { throw e; })).rejects.toBe(e);
  });

  it('builds the name of the work only when it writes one', async () => {
    const { ctx } = context(fakeClock());
    let named = 0;
    await retrying(ctx, {}, () => { named++; return 'w'; }, async () => 1);
    expect(named).toBe(0);
  });
});

describe('pause', () => {
  it('waits a second at a time, with a heartbeat after each', async () => {
    const clock = fakeClock();
    let beats = 0;
    await pause(2500, { heartbeat: async () => { beats++; } }, clock);
    expect(clock.slept).toEqual([1000, 1000, 500]);
    expect(beats).toBe(3);
  });

  it('survives a failing heartbeat', async () => {
    await pause(10, { heartbeat: async () => { throw new Error('rebalancing'); } }, fakeClock());
  });

  it('stops with StoppedError when the runtime stops, before or after a wait', async () => {
    await expect(pause(5000, { stopping: () => true }, fakeClock())).rejects.toBeInstanceOf(StoppedError);
    const clock = fakeClock();
    let stop = false;
    await expect(pause(1500, { stopping: () => stop, heartbeat: async () => { stop = true; } }, clock)).rejects.toBeInstanceOf(StoppedError);
    expect(clock.slept).toEqual([1000]);
  });
});
