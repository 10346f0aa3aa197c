/**
 * The per-event preparation without a database: a spec compiled to a plan, its routes, and
 * messages in; row changes, dead letters, skips and duplicates out.
 */
import { describe, expect, it } from 'vitest';
import type { Plan } from '../../compile/plan.js';
import { parseSpecText } from '../../spec/load.js';
import { validateLoaded } from '../../validate/index.js';
import { silentLogger } from '../ops/log.js';
import { FatalError } from '../commit/errors.js';
import type { RawMessage } from './message.js';
import { EventPreparer, type PrepareOptions } from './prepare.js';
import { groupRoutes } from './routes.js';

const SPEC = `
projection: things
group: g
topics: [things]
tables:
  things:
    key: [id]
    columns:
      id: { type: string, length: 16 }
      name: { type: string, length: 8, nullable: true }
on:
  thing.created:
    - insert: things
      set: { id: $.entity_id, name: $.data.name }
`;

function plan(): Plan {
  const v = validateLoaded(parseSpecText('spec.yaml', SPEC));
  expect(v.diagnostics).toEqual([]);
  return v.plan as Plan;
}

let offset = 0;
function msg(value: unknown): RawMessage {
  return { topic: 'things', partition: 0, offset: offset++, key: null, value: Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)) };
}
const created = (id: string, name: string, eventId = `e-${id}-${name}`) => msg({ event_id: eventId, event_type: 'thing.created', entity_id: id, data: { name } });

function preparer(o: Partial<PrepareOptions> = {}): EventPreparer {
  return new EventPreparer({ routes: groupRoutes(plan(), 'g'), letterGroup: 'g', effects: [], maxStatementBytes: undefined, log: silentLogger, ...o });
}

describe('EventPreparer', () => {
  it('turns a handled event into its row changes and what each effect prepared', () => {
    const unit = preparer({ effects: [{ prepare: (e) => `effect of ${e.type}` }] }).prepare([created('a', 'x')], undefined);
    expect(unit.letters).toEqual([]);
    expect(unit.events).toHaveLength(1);
    expect(unit.events[0]?.rows).toMatchObject([{ table: 'things', kind: 'insert' }]);
    expect(unit.events[0]?.effects).toEqual(['effect of thing.created']);
  });

  it('dead-letters what cannot be decoded, skips unhandled types and drops a repeated id', () => {
    const unit = preparer().prepare([msg('{not json'), msg({ event_id: 'u', event_type: 'thing.unknown', entity_id: 'a' }), created('a', 'x', 'same'), created('b', 'y', 'same')], undefined);
    expect(unit.letters.map((d) => d.msg.offset)).toHaveLength(1);
    expect(unit.letters[0]?.group).toBe('g');
    expect(unit.skipped).toBe(1);
    expect([...(unit.skippedTypes ?? [])]).toEqual([['thing.unknown', 1]]);
    expect(unit.duplicates).toBe(1);
    expect(unit.events).toHaveLength(1);
  });

  it('dead-letters every routed event with the forced reason (the database refused it alone)', () => {
    const unit = preparer({ letterGroup: 'file-source' }).prepare([created('a', 'x')], 'database rejected the event: too long');
    expect(unit.events).toEqual([]);
    expect(unit.letters).toMatchObject([{ group: 'file-source', projection: 'things', eventType: 'thing.created', reason: 'database rejected the event: too long' }]);
  });

  it('dead-letters an event whose change alone exceeds the statement limit', () => {
    const unit = preparer({ maxStatementBytes: 10 }).prepare([created('a', 'x')], undefined);
    expect(unit.letters[0]?.reason).toMatch(/^the event's change of table things takes about \d+ bytes, more than the database accepts in one statement \(10 bytes/);
  });

  it('dead-letters an effect that throws unexpectedly, and stops after 100 in a row', () => {
    const p = preparer({ effects: [{ prepare: () => { throw new Error('boom'); } }] });
    const unit = p.prepare([created('a', 'x')], undefined);
    expect(unit.letters[0]?.reason).toBe('unexpected error evaluating the event: boom');
    expect(() => p.prepare(Array.from({ length: 99 }, (_, i) => created(`k${i}`, 'x')), undefined)).toThrow(FatalError);
  });
});
