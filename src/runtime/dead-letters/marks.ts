/**
 * What replays did to letters of `.dlq` topics, which cannot be changed: sc_replayed_letters holds,
 * per letter source, `applied` or `purged` (done: never listed nor replayed again) or `failed`
 * (the new reason and the attempts so far). Read once per chunk of letters, one query per source partition.
 */
import { chunks } from '../../sql/fold.js';
import { letterSql } from '../../sql/letters-sql.js';
import { isDuplicateKey } from '../commit/retry.js';
import type { Sink, Tx } from '../sinks/sink.js';
import type { StoredLetter } from './letter.js';

/**
 * The letters without an `applied` or `purged` mark; `failed` marks give theirs the replay's reason and
 * attempts. Table letters pass unchanged (their row is their mark).
 */
export async function withMarks(sink: Sink, letters: StoredLetter[]): Promise<StoredLetter[]> {
  const sql = letterSql(sink.dialect);
  const parts = new Map<string, StoredLetter[]>();
  for (const l of letters) {
    if (l.store !== 'topic') continue;
    const k = `${l.group}\u0000${l.topic}\u0000${l.partition}`;
    parts.set(k, [...(parts.get(k) ?? []), l]);
  }
  const applied = new Set<StoredLetter>();
  for (const part of parts.values()) {
    const first = part[0] as StoredLetter;
    const rows = await sink.transaction((tx) => tx.query(sql.selectMarks(first.group, first.topic, first.partition, part.map((l) => l.offset))));
    const byOffset = new Map(rows.map((r) => [Number(r.offset), r]));
    for (const l of part) {
      const r = byOffset.get(l.offset);
      if (r === undefined) continue;
      // `applied` by a replay, or `purged`: done with.
      if (r.outcome !== 'failed') applied.add(l);
      else {
        l.attempts = Number(r.attempts);
        if (r.reason !== null && r.reason !== undefined) l.reason = String(r.reason);
      }
    }
  }
  return applied.size === 0 ? letters : letters.filter((l) => !applied.has(l));
}

/** Thrown in a replay's transaction when another replay marked the letter first: the transaction rolls back. */
export class ReplayedConcurrentlyError extends Error {
  readonly code = 'SC_REPLAYED_CONCURRENTLY';
  constructor(l: StoredLetter) {
    super(`dead letter ${l.id} (${l.topic}/${l.partition} offset ${l.offset}) or one replayed with it was replayed or purged by someone else meanwhile; run the replay again`);
  }
}

/**
 * In a replay's transaction, the letters' marks: applied, the table rows go (exactly as many as
 * there are: fewer means another replay or a purge took some) or each topic letter's `applied`
 * mark is inserted (a duplicate key: another replay applied it); failed again, a row keeps its
 * place with the new reason and one attempt more, or the topic letter's mark says so. Applied
 * table letters go in one DELETE per thousand: a replay's transactions are mostly this.
 */
export async function markLetters(tx: Tx, sink: Pick<Sink, 'dialect'>, marks: Array<{ letter: StoredLetter; failed: string | undefined }>, at: string): Promise<void> {
  const sql = letterSql(sink.dialect);
  const applied = marks.filter((m) => m.letter.store === 'table' && m.failed === undefined).map((m) => m.letter);
  for (const part of chunks(applied, 1000)) {
    if ((await tx.exec(sql.deleteLetters(part.map((l) => l.id)))) !== part.length) throw new ReplayedConcurrentlyError(part[0] as StoredLetter);
  }
  for (const { letter: l, failed } of marks) {
    if (l.store === 'table') {
      if (failed !== undefined && (await tx.exec(sql.failLetter(l.id, failed, l.attempts))) !== 1) throw new ReplayedConcurrentlyError(l);
      continue;
    }
    const mark = { group: l.group, topic: l.topic, partition: l.partition, offset: l.offset, reason: failed ?? null, at };
    await tx.exec(sql.clearFailedMark(mark));
    try {
      await tx.exec(sql.insertMark(mark, failed === undefined ? 'applied' : 'failed', failed === undefined ? l.attempts : l.attempts + 1));
    } catch (e) {
      throw isDuplicateKey(e) ? new ReplayedConcurrentlyError(l) : e;
    }
  }
}
