/**
 * One HTTP output's outbox, in the database: its transactions (count what a previous run left,
 * cut a batch, read the oldest pending one, read a rejected batch's source messages, mark a
 * batch done, prune) and the counts in OutputStats that mirror what it holds. When to flush and
 * how a batch is sent is runner.ts.
 */
import type { HttpOutputDef } from '../../../compile/plan.js';
import type { Evaluator } from '../../../compile/evaluate.js';
import { jsonText } from '../../../compile/exact-number.js';
import { parseJson } from '../../apply/json-text.js';
import { sqlNow } from '../../../sql/engine-sql.js';
import { chunks } from '../../../sql/fold.js';
import type { DeadLetter } from '../dead-letters/index.js';
import { batchId } from './batch-id.js';
import type { OutputDeps, OutputStats } from './runner.js';
import { byPartition, outboxSql, type Source } from './store.js';

export interface Batch {
  batchId: string;
  body: string;
  records: number;
  sources: Source[];
}

/** Delivered and rejected batches are kept this long for inspection, then pruned. */
const KEEP_DONE_MS = 60 * 60_000;
const PRUNE_CHUNK = 10_000;

export class Outbox {
  private readonly sql;

  constructor(private readonly def: HttpOutputDef, private readonly deps: OutputDeps, private readonly body: Evaluator, private readonly stats: OutputStats) {
    this.sql = outboxSql(deps.sink.dialect);
  }

  /** Read what the outbox holds from a previous run. */
  async init(): Promise<void> {
    const { sink } = this.deps;
    await sink.transaction(async (tx) => {
      for (const r of await tx.query(this.sql.countRecords(this.def.name))) {
        this.stats.buffered[String(r.list)] = Number(r.n);
        this.stats.bufferedBytes += Number(r.bytes);
      }
      const [p] = await tx.query(this.sql.countPending(this.def.name));
      this.stats.pendingBatches = Number(p?.n ?? 0);
      this.stats.pendingRecords = Number(p?.records ?? 0);
    });
  }

  /** The oldest batch cut but not yet delivered or rejected, to send first. */
  async pending(): Promise<Batch | undefined> {
    if (this.stats.pendingBatches === 0) return undefined;
    const [row] = await this.deps.sink.transaction((tx) => tx.query(this.sql.selectPending(this.def.name)));
    if (row === undefined) {
      this.stats.pendingBatches = 0;
      this.stats.pendingRecords = 0;
      return undefined;
    }
    return { batchId: String(row.batch_id), body: String(row.body), records: Number(row.records), sources: JSON.parse(String(row.sources)) as Source[] };
  }

  /** Take the first records into a new pending batch, in one transaction. */
  async cut(): Promise<Batch | undefined> {
    const { def } = this;
    const at = new Date(this.deps.clock.now());
    const taken = new Map<string, number>();
    let bytes = 0;
    const batch = await this.deps.sink.transaction(async (tx) => {
      const rows = await tx.query(this.sql.selectRecords(def.name, def.flush.maxRecords));
      if (rows.length === 0) return undefined;
      taken.clear();
      bytes = 0;
      const lists: Record<string, unknown[]> = Object.fromEntries(def.lists.map((l) => [l, [] as unknown[]]));
      const sources: Source[] = [];
      const last = new Map<string, { topic: string; partition: number; offset: number; seq: number }>();
      let n = 0;
      for (const r of rows) {
        const size = Number(r.bytes);
        if (n > 0 && bytes + size > def.flush.maxBytes) break;
        n++;
        bytes += size;
        const list = String(r.list);
        // Read as written: a number past a double's digits stays exact in the body.
        (lists[list] ??= []).push(parseJson(String(r.record)));
        taken.set(list, (taken.get(list) ?? 0) + 1);
        const topic = String(r.topic);
        const partition = Number(r.partition);
        const offset = Number(r.offset);
        const k = `${topic}\u0000${partition}`;
        const prev = last.get(k);
        if (prev === undefined || prev.offset !== offset) sources.push([topic, partition, offset]);
        last.set(k, { topic, partition, offset, seq: Number(r.seq) });
      }
      const first = rows[0] as Record<string, unknown>;
      const id = batchId(at, def.name, `${String(first.topic)}|${String(first.partition)}|${String(first.offset)}|${String(first.seq)}`);
      const body = jsonText(this.body({ event: { id, time: at.toISOString(), lists, records: n } })) ?? 'null';
      await tx.exec(this.sql.insertBatch({ output: def.name, batchId: id, body, records: n, sources: JSON.stringify(sources), at: sqlNow(at) }));
      for (const p of last.values()) await tx.exec(this.sql.deleteRecordsUpTo(def.name, p.topic, p.partition, p.offset, p.seq));
      return { batchId: id, body, records: n, sources };
    });
    if (batch === undefined) {
      for (const l of Object.keys(this.stats.buffered)) this.stats.buffered[l] = 0;
      this.stats.bufferedBytes = 0;
      return undefined;
    }
    for (const [l, n] of taken) this.stats.buffered[l] = Math.max(0, (this.stats.buffered[l] ?? 0) - n);
    this.stats.bufferedBytes = Math.max(0, this.stats.bufferedBytes - bytes);
    this.stats.pendingBatches++;
    this.stats.pendingRecords += batch.records;
    this.deps.log.info('HTTP batch cut', { output: def.name, batch_id: batch.batchId, records: batch.records, ...Object.fromEntries([...taken].map(([l, n]) => [l, n])) });
    return batch;
  }

  /** The source messages of a rejected batch, as dead letters with `reason`. */
  async letters(batch: Batch, reason: string): Promise<DeadLetter[]> {
    const { def, deps } = this;
    const letters: DeadLetter[] = [];
    await deps.sink.transaction(async (tx) => {
      for (const g of byPartition(batch.sources)) {
        for (const part of chunks(g.offsets, 500)) {
          for (const r of await tx.query(this.sql.selectMessages(def.name, g.topic, g.partition, part))) {
            letters.push({
              msg: { topic: g.topic, partition: g.partition, offset: Number(r.offset), key: r.key_bytes == null ? null : Buffer.from(String(r.key_bytes), 'base64'), value: r.value_bytes == null ? null : Buffer.from(String(r.value_bytes), 'base64') },
              group: String(r.consumer_group), projection: def.projection, eventType: null, reason,
            });
          }
        }
      }
    });
    return letters;
  }

  /** Mark the batch done; a rejected one's letters are written in the same transaction (a dead-letter table's rows). */
  async finish(batch: Batch, status: 'delivered' | 'rejected', httpStatus: number, letters: DeadLetter[]): Promise<void> {
    const { def, deps } = this;
    const at = sqlNow(new Date(deps.clock.now()));
    await deps.sink.transaction(async (tx) => {
      if (letters.length > 0) await deps.deadLetters.write(tx, deps.sink, letters);
      await tx.exec(this.sql.finish(def.name, batch.batchId, status, httpStatus, at));
      for (const g of byPartition(batch.sources)) {
        for (const part of chunks(g.offsets, 500)) await tx.exec(this.sql.deleteDoneMessages(def.name, g.topic, g.partition, part));
      }
    });
    this.stats.pendingBatches = Math.max(0, this.stats.pendingBatches - 1);
    this.stats.pendingRecords = Math.max(0, this.stats.pendingRecords - batch.records);
  }

  /** Drop delivered and rejected batches kept past KEEP_DONE_MS, and expired content hashes. */
  async prune(): Promise<void> {
    const now = this.deps.clock.now();
    await this.deps.sink.transaction(async (tx) => {
      await tx.exec(this.sql.pruneBatches(this.def.name, sqlNow(new Date(now - KEEP_DONE_MS)), PRUNE_CHUNK));
      await tx.exec(this.sql.pruneHashes(sqlNow(new Date(now)), PRUNE_CHUNK));
    });
  }
}
