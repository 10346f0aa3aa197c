import { describe, expect, it } from 'vitest';
import type { RawMessage } from './apply/message.js';
import { StoppedError, type ProcessorHooks } from './commit/processor.js';
import { drive } from './drive.js';
import { SpecChangedError } from './lifecycle/spec-watch.js';
import { memorySource } from './sources/memory.js';

const msg = (topic: string, offset: number, partition = 0): RawMessage => ({ topic, partition, offset, key: null, value: Buffer.from('{}'), timestamp: 0 });

/** A group without a database: it takes the topics given and records what it was asked to apply. */
function fakeGroup(name: string, topics: string[], fail?: (call: number, hooks: ProcessorHooks) => void) {
  const applied: string[] = [];
  let calls = 0;
  return {
    name,
    applied,
    routes: { accepts: (m: RawMessage) => topics.includes(m.topic) },
    processor: {
      async process(messages: RawMessage[], hooks: ProcessorHooks = {}): Promise<void> {
        calls++;
        fail?.(calls, hooks);
        applied.push(...messages.map((m) => `${m.topic}@${m.offset}`));
      },
    },
  };
}

const never = new AbortController().signal;

describe('drive', () => {
  it('applies each batch to the groups that accept its messages, batch after batch', async () => {
    const a = fakeGroup('a', ['x']);
    const b = fakeGroup('b', ['x', 'y']);
    const outcome = await drive(memorySource([[msg('x', 0), msg('y', 1)], [msg('y', 2)]]), [a, b], never, { stopping: () => false });
    expect(outcome).toBe('applied');
    expect(a.applied).toEqual(['x@0']);
    expect(b.applied).toEqual(['x@0', 'y@1', 'y@2']);
  });

  it('applies nothing at or past a partition limit', async () => {
    const a = fakeGroup('a', ['x']);
    const limit = (_g: unknown, _topic: string, partition: number): number | undefined => (partition === 0 ? 2 : undefined);
    await drive(memorySource([[msg('x', 0), msg('x', 1), msg('x', 2), msg('x', 3), msg('x', 5, 1)]]), [a], never, { stopping: () => false, limit });
    expect(a.applied).toEqual(['x@0', 'x@1', 'x@5']);
  });

  it('reloads a group whose specs changed and applies its share of the batch again', async () => {
    const a = fakeGroup('a', ['x'], (call) => {
      if (call === 1) throw new SpecChangedError('a', 'p=1', 'p=2');
    });
    const reloaded: string[] = [];
    await drive(memorySource([[msg('x', 0)]]), [a], never, { stopping: () => false, reload: async (g) => { reloaded.push(g.name); } });
    expect(reloaded).toEqual(['a']);
    expect(a.applied).toEqual(['x@0']);
  });

  it('without a reload, a changed spec goes back to the source', async () => {
    const a = fakeGroup('a', ['x'], () => {
      throw new SpecChangedError('a', 'p=1', 'p=2');
    });
    await expect(drive(memorySource([[msg('x', 0)]]), [a], never, { stopping: () => false })).rejects.toBeInstanceOf(SpecChangedError);
  });

  it('ends at a stop: before a group, or when the processor stops between units', async () => {
    let stop = false;
    const a = fakeGroup('a', ['x'], () => {
      stop = true;
      throw new StoppedError();
    });
    const b = fakeGroup('b', ['x']);
    const between: number[] = [];
    const source = memorySource([[msg('x', 0)], [msg('x', 1)]], async () => { between.push(1); });
    expect(await drive(source, [a, b], never, { stopping: () => stop })).toBe('stopped');
    expect(b.applied).toEqual([]);
    expect(between).toEqual([]);
  });

  it('passes the stop to the processor and reads no batch once the signal aborted', async () => {
    const seen: boolean[] = [];
    const a = fakeGroup('a', ['x'], (_call, hooks) => { seen.push(hooks.stopping?.() ?? false); });
    const c = new AbortController();
    await drive(memorySource([[msg('x', 0)], [msg('x', 1)]], async () => { c.abort(); }), [a], c.signal, { stopping: () => c.signal.aborted });
    expect(seen).toEqual([false]);
    expect(a.applied).toEqual(['x@0']);
  });
});
