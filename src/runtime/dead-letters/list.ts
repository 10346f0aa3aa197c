/**
 * `dead-letters list` and `show` as library functions: the letters of the table and of the `.dlq`
 * topics that pass the filters, counted by reason, the newest first. Both stores are read a page
 * (a fetched batch) at a time; only the `limit` newest letters are kept to print, so a list of a
 * million letters costs a million rows read once and `limit` held.
 */
import type { Sink } from '../sinks/sink.js';
import { matches, reasonKey, sortedCounts, type LetterFilter, type LetterStore, type StoredLetter } from './letter.js';
import { withMarks } from './marks.js';
import { tableLetterById, tableLetters, type TypeOf } from './table-letters.js';
import { parseTopicLetterId, readTopicLetters, type KafkaClient } from './topic-letters.js';

export interface LetterStores {
  /** sc_dead_letters (and, for topic letters, the replays' marks). */
  sink?: Sink;
  kafka?: KafkaClient;
  /** The `.dlq` topics to read (of the specs' source topics, or `--topic`'s). */
  dlqTopics?: string[];
  /** The event type of a table's letter (its group's envelope decodes the value). */
  typeOf?: TypeOf;
}

export interface LetterList {
  /** Where letters were read from. */
  stores: LetterStore[];
  /** Letters that pass the filters. */
  total: number;
  byReason: Array<{ reason: string; count: number }>;
  /** The `limit` newest, newest first. */
  letters: StoredLetter[];
}

export async function listLetters(s: LetterStores, filter: LetterFilter, limit: number): Promise<LetterList> {
  const counts = new Map<string, number>();
  let total = 0;
  const newest: StoredLetter[] = [];
  const take = (letters: StoredLetter[]): void => {
    for (const l of letters) {
      total++;
      const k = reasonKey(l.reason);
      counts.set(k, (counts.get(k) ?? 0) + 1);
      keepNewest(newest, l, limit);
    }
  };
  const stores: LetterStore[] = [];
  if (s.sink !== undefined) {
    stores.push('table');
    for await (const page of tableLetters(s.sink, filter, 'newest', s.typeOf)) take(page);
  }
  if (s.kafka !== undefined) {
    stores.push('topic');
    const sink = s.sink;
    await readTopicLetters(s.kafka, s.dlqTopics ?? [], async (chunk) => {
      const live = sink === undefined ? chunk : await withMarks(sink, chunk);
      take(live.filter((l) => matches(l, filter)));
    });
  }
  return { stores, total, byReason: sortedCounts(counts), letters: newest };
}

/** Insert `l` into `list` (newest first) and keep at most `limit`. */
export function keepNewest(list: StoredLetter[], l: StoredLetter, limit: number): void {
  if (limit <= 0) return;
  const last = list[list.length - 1];
  if (list.length >= limit && last !== undefined && !newer(l, last)) return;
  let i = list.length;
  while (i > 0 && newer(l, list[i - 1] as StoredLetter)) i--;
  list.splice(i, 0, l);
  if (list.length > limit) list.pop();
}

function newer(a: StoredLetter, b: StoredLetter): boolean {
  return a.at > b.at || (a.at === b.at && a.id > b.id);
}

/** One letter by id: a table's dlq_id, or a topic letter's `<dlq topic>:<partition>:<offset>`. */
export async function findLetter(s: LetterStores, id: string): Promise<StoredLetter | undefined> {
  const at = parseTopicLetterId(id);
  if (at === undefined) {
    const l = s.sink === undefined ? undefined : await tableLetterById(s.sink, id);
    if (l !== undefined && s.typeOf !== undefined) l.eventType = s.typeOf(l);
    return l;
  }
  if (s.kafka === undefined) return undefined;
  let found: StoredLetter | undefined;
  await readTopicLetters(s.kafka, [at.topic], async (chunk) => {
    found ??= chunk.find((l) => l.id === id);
  }, { only: { partition: at.partition, offset: at.offset } });
  if (found !== undefined && s.sink !== undefined) {
    // A replayed letter is still in its topic: say so rather than hide it.
    const [marked] = await withMarks(s.sink, [found]);
    if (marked === undefined) found.reason = `${found.reason} (replayed: applied)`;
  }
  return found;
}
