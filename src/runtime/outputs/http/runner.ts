/**
 * One HTTP output's flusher: when to flush and how a batch is delivered (the outbox's
 * transactions are outbox.ts). A flush first resends the oldest pending batch (stored body, same
 * id), then cuts new batches from the outbox: in ONE transaction it takes the first records in
 * key sequence (at most max_records / max_bytes), builds the body, chooses the batch id, stores both
 * as a pending batch and deletes the records, so no record is ever in two batches and a resend is
 * byte-identical. Sending retries connection errors, timeouts and the listed statuses with
 * backoff (Retry-After honoured), `retries` times per flush; then the batch is kept for the next
 * flush. A 2xx marks it delivered; any other status rejects it: its source messages go to the
 * dead-letter sink with the status and the start of the answer, and the output goes on.
 */
import type { HttpOutputDef } from '../../../compile/plan.js';
import { bindValue } from '../../../compile/evaluate.js';
import { envRefNames, substituteEnv, type Env } from '../../../spec/env.js';
import { hideSecret } from '../../../redact.js';
import type { DeadLetterSink } from '../dead-letters/index.js';
import type { Logger } from '../../ops/log.js';
import type { Sink } from '../../sinks/sink.js';
import { NO_TEST_HOOKS, type TestHooks } from '../../test-hooks.js';
import { isRetriedStatus, isSuccess, parseRetryAfter, retryDelayMs } from './retry-policy.js';
import { Outbox, type Batch } from './outbox.js';
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

export class HttpOutputRunner {
  readonly stats: OutputStats;
  /** The outbox's transactions and the counts of what it holds (outbox.ts). */
  private readonly outbox: Outbox;
  private readonly headers: Record<string, string>;
  private readonly stopper = new AbortController();
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<boolean> | undefined;
  private again = false;
  private stopped = false;

  constructor(readonly def: HttpOutputDef, private readonly deps: OutputDeps) {
    this.headers = resolveHeaders(def, deps.env);
    this.stats = {
      buffered: Object.fromEntries(def.lists.map((l) => [l, 0])), bufferedBytes: 0, pendingBatches: 0, pendingRecords: 0,
      batchesSent: 0, recordsSent: 0, bytesSent: 0, batchesRejected: 0, deadLettered: 0, attempts: 0, retries: 0, contentDuplicates: 0, lastStatus: null,
    };
    this.outbox = new Outbox(def, deps, bindValue(def.body), this.stats);
  }

  /** Read what the outbox holds from a previous run. */
  init(): Promise<void> {
    return this.outbox.init();
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
      const pending = await this.outbox.pending();
      if (pending !== undefined) {
        if (!(await this.deliver(pending))) return false;
        continue;
      }
      const full = this.bufferedRecords() >= this.def.flush.maxRecords || this.stats.bufferedBytes >= this.def.flush.maxBytes;
      if (cut && !drain && !full) break;
      const batch = await this.outbox.cut();
      if (batch === undefined) break;
      cut = true;
    }
    await this.outbox.prune();
    return true;
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
        await this.outbox.finish(batch, 'delivered', res.status, []);
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
    const letters = await this.outbox.letters(batch, reason);
    // A dead-letter topic is written before the batch is marked rejected: a crash in between
    // sends the letters again (dead letters are at least once), never loses them.
    if (letters.length > 0) await deps.deadLetters.send(letters);
    await this.outbox.finish(batch, 'rejected', res.status, letters);
    this.stats.batchesRejected++;
    this.stats.deadLettered += letters.length;
    deps.log.error('HTTP batch rejected: its messages went to the dead-letter sink', { output: def.name, batch_id: batch.batchId, status: res.status, messages: letters.length, records: batch.records, answer: res.excerpt.slice(0, 200) });
  }

}

/**
 * Header values with their environment references resolved; a missing variable fails the start,
 * named. What a variable gives a header (a token, Basic credentials) is a secret from then on:
 * hidden from every log line and dead-letter reason, also when an endpoint echoes it in its answer.
 */
export function resolveHeaders(def: HttpOutputDef, env: Env): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, template] of Object.entries(def.headers)) {
    const r = substituteEnv(template, env);
    if (!r.ok) throw new Error(`output ${def.name}: header ${name} needs environment variable ${r.missing.join(', ')} (not set, no default)`);
    for (const ref of envRefNames(template)) {
      const value = env[ref];
      if (value !== undefined) hideSecret(value);
    }
    out[name] = r.value;
  }
  return out;
}

function causeOf(e: Error): string {
  const c = (e as { cause?: unknown }).cause;
  return c instanceof Error ? ` (${c.message})` : '';
}
