/**
 * Batches held in memory (the fixtures of `sc-project test`): each is applied in turn, and
 * `between` runs after each (the fixture's flushes: the clock moves, outputs drain).
 */
import type { RawMessage } from '../apply/message.js';
import type { OnBatch, Source } from './source.js';

export function memorySource(batches: RawMessage[][], between?: () => Promise<void>): Source {
  return {
    async run(onBatch: OnBatch, signal: AbortSignal): Promise<void> {
      for (const messages of batches) {
        if (signal.aborted) return;
        if ((await onBatch({ messages })) === 'stopped') return;
        await between?.();
      }
    },
  };
}
