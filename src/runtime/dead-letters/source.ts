/**
 * The replay's `Source` (sources/source.ts): dead letters, a chunk at a time, as the messages they
 * hold (their source coordinates, key and bytes). The table is read in source sequence by keyset
 * pages; a `.dlq` topic a fetched batch at a time, each partition by offset (a key's letters are in
 * one partition, in the sequence they were dead-lettered), less the letters a replay applied
 * before. A chunk goes to the engine only when the one before it is done.
 */
import type { RawMessage } from '../apply/message.js';
import type { ProcessorHooks } from '../commit/processor.js';
import type { Sink } from '../sinks/sink.js';
import type { OnBatch, Source } from '../sources/source.js';
import { letterMessage, matches, type LetterFilter, type StoredLetter } from './letter.js';
import { withMarks } from './marks.js';
import { tableLetters } from './table-letters.js';
import { readTopicLetters, type KafkaClient } from './topic-letters.js';

/** Hand each chunk of letters to `each` in turn; stop when it answers false or `signal` aborts. */
export type LetterChunks = (each: (letters: StoredLetter[]) => Promise<boolean>, signal: AbortSignal) => Promise<void>;

/** A letter and the message the engine is given for it (the engine knows messages by identity). */
export interface LetterMessage {
  letter: StoredLetter;
  msgOf: RawMessage;
}

export interface LetterSourceHooks {
  /** Before a chunk goes to the engine (the groups it needs assembled). */
  before(letters: LetterMessage[]): Promise<void>;
  /** In every unit's transaction: the replay marks. */
  inTransaction: NonNullable<ProcessorHooks['inTransaction']>;
  /** Once the chunk is applied (counted, progress). */
  after(letters: LetterMessage[]): void;
}

/** sc_dead_letters in source sequence: group, topic, partition, offset. */
export function tableChunks(sink: Sink, filter: LetterFilter, typeOf: ((l: StoredLetter) => string | null) | undefined, page?: number): LetterChunks {
  return async (each, signal) => {
    for await (const letters of tableLetters(sink, filter, 'source', typeOf, page)) {
      if (signal.aborted || !(await each(letters))) return;
    }
  };
}

/** The `.dlq` topics' letters that no replay applied yet (their marks are in `sink`). */
export function topicChunks(kafka: KafkaClient, dlqTopics: string[], sink: Sink): LetterChunks {
  return async (each, signal) => {
    await readTopicLetters(kafka, dlqTopics, async (letters) => {
      if (!(await each(await withMarks(sink, letters)))) throw new ChunksStopped();
    }, { signal }).catch((e: unknown) => {
      if (!(e instanceof ChunksStopped)) throw e;
    });
  };
}

class ChunksStopped extends Error {}

/** Chunks one after another (the table's letters, then the topics'). */
export function concatChunks(parts: LetterChunks[]): LetterChunks {
  return async (each, signal) => {
    let going = true;
    for (const part of parts) {
      if (!going || signal.aborted) return;
      await part(async (letters) => (going = await each(letters)), signal);
    }
  };
}

export function letterSource(chunks: LetterChunks, filter: LetterFilter, hooks: LetterSourceHooks): Source {
  return {
    async run(onBatch: OnBatch, signal: AbortSignal): Promise<void> {
      await chunks(async (letters) => {
        const chunk = distinct(letters.filter((l) => matches(l, filter))).sort(bySource).map((letter) => ({ letter, msgOf: letterMessage(letter) }));
        if (chunk.length === 0) return true;
        await hooks.before(chunk);
        const outcome = await onBatch({ messages: chunk.map((c) => c.msgOf), hooks: { inTransaction: hooks.inTransaction } });
        if (outcome === 'stopped') return false;
        hooks.after(chunk);
        return !signal.aborted;
      }, signal);
    },
  };
}

/**
 * One letter per source message and group: a `.dlq` topic may hold a letter twice (sent again
 * after a crash, topic.ts: at least once), and both would be applied and marked.
 */
function distinct(letters: StoredLetter[]): StoredLetter[] {
  const seen = new Set<string>();
  return letters.filter((l) => {
    if (l.store === 'table') return true;
    const k = `${l.group}\u0000${l.topic}\u0000${l.partition}\u0000${l.offset}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

/** Source sequence within a chunk: group, topic, partition, offset (stable). */
function bySource(a: StoredLetter, b: StoredLetter): number {
  if (a.group !== b.group) return a.group < b.group ? -1 : 1;
  if (a.topic !== b.topic) return a.topic < b.topic ? -1 : 1;
  return a.partition - b.partition || a.offset - b.offset;
}
