/**
 * What every input gives the engine: batches of messages, handed one at a time to `onBatch`
 * (drive.ts applies each to the groups that take its messages). Kafka, NDJSON files and the
 * fixtures of `sc-project test` are sources; a new input format is one more.
 */
import type { RawMessage } from '../apply/message.js';
import type { ProcessorHooks } from '../commit/processor.js';
import type { Fingerprint } from './ndjson/reader.js';

export interface Batch {
  messages: RawMessage[];
  /** A file's fingerprint through this batch's last line: recorded with the positions it moves. */
  end?: Fingerprint;
  /** The source's own say in how the batch is applied (Kafka: heartbeats, a stale batch, gaps). */
  hooks?: ProcessorHooks;
}

/** What became of a batch: applied to every group that takes it, or cut short by a stop. */
export type BatchOutcome = 'applied' | 'stopped';

export type OnBatch = (batch: Batch) => Promise<BatchOutcome>;

export interface Source {
  /** Hand every batch to `onBatch`, one at a time; end at the input's end, on 'stopped', or once `signal` aborts. */
  run(onBatch: OnBatch, signal: AbortSignal): Promise<void>;
}
