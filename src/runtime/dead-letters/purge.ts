/**
 * `dead-letters purge` as a library function: the letters that pass the filters are dropped, a
 * page at a time. A table letter's row is deleted; a `.dlq` topic cannot be changed, so its letter
 * gets a `purged` mark (sc_replayed_letters) and is neither listed nor replayed again (the topic's
 * retention removes the message itself). Without `confirm` nothing changes and only the count is
 * given, so the caller can say what `--yes` would do.
 */
import { letterSql } from '../../sql/letters-sql.js';
import { sqlNow } from '../../sql/engine-sql.js';
import type { Sink } from '../sinks/sink.js';
import { matches, type LetterFilter, type StoredLetter } from './letter.js';
import type { LetterStores } from './list.js';
import { withMarks } from './marks.js';
import { tableLetters } from './table-letters.js';
import { readTopicLetters } from './topic-letters.js';

export interface PurgeReport {
  /** Letters that pass the filters (purged when confirmed). */
  table: number;
  topic: number;
  purged: boolean;
}

export async function purgeLetters(s: LetterStores, filter: LetterFilter, confirm: boolean): Promise<PurgeReport> {
  const report: PurgeReport = { table: 0, topic: 0, purged: confirm };
  const sink = s.sink;
  if (sink !== undefined) {
    const sql = letterSql(sink.dialect);
    // Source sequence: the keyset continues after the last row read, whatever was deleted before it.
    for await (const page of tableLetters(sink, filter, 'source', s.typeOf)) {
      report.table += page.length;
      if (confirm) await sink.transaction((tx) => tx.exec(sql.deleteLetters(page.map((l) => l.id))));
    }
  }
  if (s.kafka !== undefined) {
    if (confirm && sink === undefined) throw new Error('purging letters of a .dlq topic records them in the database (sc_replayed_letters): give --database-url too');
    await readTopicLetters(s.kafka, s.dlqTopics ?? [], async (chunk) => {
      const live = (sink === undefined ? chunk : await withMarks(sink, chunk)).filter((l) => matches(l, filter));
      report.topic += live.length;
      if (confirm && sink !== undefined) await markPurged(sink, live);
    });
  }
  return report;
}

async function markPurged(sink: Sink, letters: StoredLetter[]): Promise<void> {
  const sql = letterSql(sink.dialect);
  const at = sqlNow();
  // The same source twice in a chunk (letters are at least once in a topic): one mark. Earlier
  // chunks' marks are committed, and withMarks left their letters out.
  const seen = new Set<string>();
  await sink.transaction(async (tx) => {
    for (const l of letters) {
      const k = `${l.group}\u0000${l.topic}\u0000${l.partition}\u0000${l.offset}`;
      if (seen.has(k)) continue;
      seen.add(k);
      const mark = { group: l.group, topic: l.topic, partition: l.partition, offset: l.offset, reason: null, at };
      await tx.exec(sql.clearFailedMark(mark));
      await tx.exec(sql.insertMark(mark, 'purged', l.attempts));
    }
  });
}
