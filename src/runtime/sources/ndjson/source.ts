/**
 * NDJSON files (or standard input) as a source: `run --from` and a rebuild from files. The
 * stream must begin with the prefixes the stored positions were recorded from (`expect`; else
 * SourceMismatchError). With `holdBack`, nothing is applied until every prefix has been read and
 * matched: what may still need applying (normally nothing: a run stopped within a batch, a topic
 * a group newly reads) waits, the rest is dropped.
 */
import type { RawMessage } from '../../apply/message.js';
import { abortPromise } from '../../stop-signal.js';
import type { OnBatch, Source } from '../source.js';
import { readSource, type Fingerprint } from './reader.js';

export interface NdjsonSourceOptions {
  paths: string[];
  /** Messages per batch at most. */
  batch: number;
  maxLineBytes?: number;
  /** Prefixes the stream must begin with. */
  expect: Fingerprint[];
  /** Whether a message of the prefix still needs applying (given: hold back until the prefixes are matched). */
  holdBack?: (m: RawMessage) => boolean;
  /** What `-` reads (default process.stdin). */
  stdin?: NodeJS.ReadableStream;
}

export function ndjsonSource(o: NdjsonSourceOptions): Source {
  return {
    async run(onBatch: OnBatch, signal: AbortSignal): Promise<void> {
      let held: RawMessage[] | undefined = o.holdBack !== undefined && o.expect.length > 0 ? [] : undefined;
      for await (const batch of readSource(o.paths, { batch: o.batch, maxLineBytes: o.maxLineBytes, expect: o.expect, stop: abortPromise(signal), stdin: o.stdin })) {
        let messages = batch.messages;
        if (held !== undefined && o.holdBack !== undefined) {
          for (const m of messages) if (o.holdBack(m)) held.push(m);
          if (!batch.verified) continue;
          messages = held;
          held = undefined;
        }
        if ((await onBatch({ messages, end: batch.end })) === 'stopped') return;
      }
    },
  };
}
