/**
 * One HTTP output's flusher. A flush first resends the oldest pending batch (stored body, same
 * id), then cuts new batches from the outbox: in ONE transaction it takes the first records in
 * key sequence (at most max_records / max_bytes), builds the body, chooses the batch id, stores both
 * as a pending batch and deletes the records, so no record is ever in two batches and a resend is
 * byte-identical. Sending retries connection errors, timeouts and the listed statuses with
 * backoff (Retry-After honoured), `retries` times per flush; then the batch is kept for the next
 * flush. A 2xx marks it delivered; any other status rejects it: its source messages go to the
 * dead-letter sink with the status and the start of the answer, and the output goes on.
 */
import type { HttpOutputDef } from '../../../compile/plan.js';
import { bindValue, type Evaluator } from '../../../compile/evaluate.js';
import { jsonText } from '../../../compile/exact-number.js';
import { parseJson } from '../../apply/json-text.js';
import { sqlNow } from '../../../sql/engine-sql.js';
import { chunks } from '../../../sql/fold.js';
import { substituteEnv, type Env } from '../../../spec/env.js';
import type { DeadLetter, DeadLetterSink } from '../dead-letters/index.js';
import type { Logger } from '../../ops/log.js';
import type { Sink } from '../../sinks/sink.js';
import { NO_TEST_HOOKS, type TestHooks } from '../../test-hooks.js';
import { batchId } from './batch-id.js';
import { isRetriedStatus, isSuccess, parseRetryAfter, retryDelayMs } from './retry-policy.js';
import { byPartition, outboxSql, type Source } from './store.js';
import type { Clock, HttpResponse, Transport } from './transport.js';

export interface OutputStats {
  /** Records in the outbox, per list. */
  buffered: Record<string, number>;
  bufferedBytes: number;
  pendingBatches: number;
  pendingRecords: number;
  batchesSent: number;
  recordsSent: number;
  /** Bytes of the bodies of delivered batches. */
  bytesSent: number;
  batchesRejected: number;
  deadLettered: number;
  attempts: number;
  retries: number;
  contentDuplicates: number;
  lastStatus: number | null;
}

export interface OutputDeps {
  sink: Sink;
  transport: Transport;
  clock: Clock;
  log: Logger;
  deadLetters: DeadLetterSink;
  env: Env;
  random?: () => number;
  /** Test-only crash points (default: none); `afterHttpSend` runs between a 2xx and its bookkeeping. */
  testHooks?: TestHooks;
}

interface Batch {
  batchId: string;
  body: string;
  records: number;
  sources: Source[];
}

/** Delivered and rejected batches are kept this long for inspection, then pruned. */
const KEEP_DONE_MS = 60 * 60_000;
const PRUNE_CHUNK = 10_000;

export class HttpOutputRunner {
  readonly stats: OutputStats;
  private readonly sql;
  private readonly body: Evaluator;
  private readonly headers: Record<string, string>;
  private readonly stopper = new AbortController();
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<boolean> | undefined;
  private again = false;
  private stopped = false;

  constructor(readonly def: HttpOutputDef, private readonly deps: OutputDeps) {
    this.sql = outboxSql(deps.sink.dialect);
    this.body = bindValue(def.body);
    this.headers = resolveHeaders(def, deps.env);
    this.stats = {
      buffered: Object.fromEntries(def.lists.map((l) => [l, 0])), bufferedBytes: 0, pendingBatches: 0, pendingRecords: 0,
      batchesSent: 0, recordsSent: 0, bytesSent: 0, batchesRejected: 0, deadLettered: 0, attempts: 0, retries: 0, contentDuplicates: 0, lastStatus: null,
    };
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

  /** Flush every interval; a batch left from a previous run is resent at once. */
  start(): void {
    this.timer = setInterval(() => this.requestFlush(), Math.max(10, this.def.flush.intervalMs));
    this.timer.unref?.();
    if (this.waiting() > 0) this.requestFlush();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== undefined) clearInterval(this.timer);
    this.stopper.abort();
    await this.running?.catch(() => undefined);
  }

  bufferedRecords(): number {
    let n = 0;
    for (const v of Object.values(this.stats.buffered)) n += v;
    return n;
  }

  /** Records not yet delivered: buffered, or in a pending batch. */
  waiting(): number {
    return this.bufferedRecords() + this.stats.pendingRecords;
  }

  full(): boolean {
    return this.waiting() >= this.def.maxBuffered;
  }

  logPaused(): void {
    this.deps.log.warn('HTTP output full: consumption paused until batches are delivered', { output: this.def.name, waiting: this.waiting(), max_buffered: this.def.maxBuffered, last_status: this.stats.lastStatus });
  }

  /** Called after a batch transaction committed records. */
  added(lists: Map<string, number>, bytes: number): void {
    for (const [l, n] of lists) this.stats.buffered[l] = (this.stats.buffered[l] ?? 0) + n;
    this.stats.bufferedBytes += bytes;
    if (this.bufferedRecords() >= this.def.flush.maxRecords || this.stats.bufferedBytes >= this.def.flush.maxBytes) this.requestFlush();
  }

  contentDuplicates(n: number): void {
    this.stats.contentDuplicates += n;
  }

  /** Start a flush unless one runs (then it runs once more after it). */
  requestFlush(): void {
    if (this.stopped) return;
    if (this.running !== undefined) {
      this.again = true;
      return;
    }
    void this.flush().catch((e: unknown) => this.deps.log.warn('HTTP output flush failed (will retry at the next flush)', { output: this.def.name, error: e instanceof Error ? e.message : String(e) }));
  }

  /**
   * One flush, serialized with any other. `drain`: cut batches until the outbox is empty (the end
   * of a file run), not only while full batches wait. Resolves true when nothing is left undelivered.
   */
  async flush(o: { drain?: boolean } = {}): Promise<boolean> {
    while (this.running !== undefined) await this.running.catch(() => undefined);
    const run = this.flushLoop(o.drain ?? false);
    this.running = run;
    try {
      return await run;
    } finally {
      this.running = undefined;
      if (this.again && !this.stopped) {
        this.again = false;
        this.requestFlush();
      }
    }
  }

  private async flushLoop(drain: boolean): Promise<boolean> {
    let cut = false;
    for (;;) {
      if (this.stopped) return false;
      const pending = await this.pending();
      if (pending !== undefined) {
        if (!(await this.deliver(pending))) return false;
        continue;
      }
      const full = this.bufferedRecords() >= this.def.flush.maxRecords || this.stats.bufferedBytes >= this.def.flush.maxBytes;
      if (cut && !drain && !full) break;
      const batch = await this.cut();
      if (batch === undefined) break;
      cut = true;
    }
    await this.prune();
    return true;
  }

  private async pending(): Promise<Batch | undefined> {
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
  private async cut(): Promise<Batch | undefined> {
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

  /** Send until delivered or rejected (true), or until this flush's retries are spent (false: kept). */
  private async deliver(batch: Batch): Promise<boolean> {
    const { def, deps } = this;
    const retry = def.retry;
    for (let attempt = 0; ; attempt++) {
      if (this.stopped) return false;
      let res: HttpResponse | undefined;
      let error = '';
      try {
        res = await deps.transport({
          output: def.name, url: def.url, method: def.method, timeoutMs: def.timeoutMs, body: batch.body, signal: this.stopper.signal,
          headers: { ...this.headers, 'Content-Type': 'application/json', 'Idempotency-Key': batch.batchId },
        });
      } catch (e) {
        error = e instanceof Error ? (e.name === 'TimeoutError' ? `no answer within ${def.timeoutMs} ms` : `${e.message}${causeOf(e)}`) : String(e);
      }
      this.stats.attempts++;
      if (res !== undefined) this.stats.lastStatus = res.status;
      if (res !== undefined && isSuccess(res.status)) {
        (deps.testHooks ?? NO_TEST_HOOKS).afterHttpSend(deps.log);
        await this.finish(batch, 'delivered', res.status, []);
        this.stats.batchesSent++;
        this.stats.recordsSent += batch.records;
        this.stats.bytesSent += Buffer.byteLength(batch.body, 'utf8');
        return true;
      }
      if (res !== undefined && !isRetriedStatus(res.status, retry.statuses)) {
        await this.reject(batch, res);
        return true;
      }
      const why = res !== undefined ? `status ${res.status}` : error;
      if (attempt >= retry.retries || this.stopped) {
        deps.log.warn('HTTP batch not delivered: kept, resent first at the next flush', { output: def.name, batch_id: batch.batchId, attempts: attempt + 1, error: why });
        return false;
      }
      this.stats.retries++;
      const delay = retryDelayMs(attempt, retry, parseRetryAfter(res?.retryAfter, deps.clock.now()), deps.random);
      deps.log.warn('HTTP batch failed, retrying', { output: def.name, batch_id: batch.batchId, attempt: attempt + 1, delay_ms: delay, error: why });
      if (!(await deps.clock.sleep(delay, this.stopper.signal))) return false;
    }
  }

  private async reject(batch: Batch, res: HttpResponse): Promise<void> {
    const { def, deps } = this;
    const reason = `HTTP output ${def.name} rejected batch ${batch.batchId} with status ${res.status}: ${res.excerpt}`;
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
    // A dead-letter topic is written before the batch is marked rejected: a crash in between
    // sends the letters again (dead letters are at least once), never loses them.
    if (letters.length > 0) await deps.deadLetters.send(letters);
    await this.finish(batch, 'rejected', res.status, letters);
    this.stats.batchesRejected++;
    this.stats.deadLettered += letters.length;
    deps.log.error('HTTP batch rejected: its messages went to the dead-letter sink', { output: def.name, batch_id: batch.batchId, status: res.status, messages: letters.length, records: batch.records, answer: res.excerpt.slice(0, 200) });
  }

  /** Mark the batch done; a rejected one's letters are written in the same transaction (a dead-letter table's rows). */
  private async finish(batch: Batch, status: 'delivered' | 'rejected', httpStatus: number, letters: DeadLetter[]): Promise<void> {
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

  private async prune(): Promise<void> {
    const now = this.deps.clock.now();
    await this.deps.sink.transaction(async (tx) => {
      await tx.exec(this.sql.pruneBatches(this.def.name, sqlNow(new Date(now - KEEP_DONE_MS)), PRUNE_CHUNK));
      await tx.exec(this.sql.pruneHashes(sqlNow(new Date(now)), PRUNE_CHUNK));
    });
  }
}

/** Header values with their environment references resolved; a missing variable fails the start, named. */
export function resolveHeaders(def: HttpOutputDef, env: Env): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, template] of Object.entries(def.headers)) {
    const r = substituteEnv(template, env);
    if (!r.ok) throw new Error(`output ${def.name}: header ${name} needs environment variable ${r.missing.join(', ')} (not set, no default)`);
    out[name] = r.value;
  }
  return out;
}

function causeOf(e: Error): string {
  const c = (e as { cause?: unknown }).cause;
  return c instanceof Error ? ` (${c.message})` : '';
}
