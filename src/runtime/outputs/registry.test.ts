/**
 * The output registry without a database: a group without outputs opens nothing, and the
 * effects of several kinds act as one, each seeing only its own part.
 */
import { describe, expect, it } from 'vitest';
import type { Plan } from '../../compile/plan.js';
import type { BatchEffect } from '../commit/processor.js';
import type { DecodedEvent } from '../apply/message.js';
import type { Tx } from '../sinks/sink.js';
import { combineEffects, openGroupOutputs, type OpenDeps } from './registry.js';

const tx: Tx = { exec: async () => 0, query: async () => [] };

function effect(name: string, log: string[]): BatchEffect {
  return {
    prepare: (e) => `${name}:${e.type ?? ''}`,
    async write(_tx, events) {
      log.push(`${name} wrote ${events.map((x) => String(x.prepared)).join(',')}`);
      return () => log.push(`${name} after`);
    },
    async admit() { log.push(`${name} admit`); },
  };
}

describe('output registry', () => {
  it('opens nothing for a group without outputs', async () => {
    const plan: Plan = { projections: [], tables: [], groups: [] };
    expect(await openGroupOutputs(plan, 'g', {} as OpenDeps)).toBeUndefined();
  });

  it('combines the effects of several kinds, each with its own prepared part', async () => {
    const log: string[] = [];
    const both = combineEffects([effect('a', log), effect('b', log)]);
    const event = { type: 't' } as DecodedEvent;
    const prepared = both.prepare(event);
    expect(prepared).toEqual(['a:t', 'b:t']);
    await both.admit?.({});
    const after = await both.write(tx, [{ event, prepared }], '2026-01-01 00:00:00');
    after?.();
    expect(log).toEqual(['a admit', 'b admit', 'a wrote a:t', 'b wrote b:t', 'a after', 'b after']);
  });
});
