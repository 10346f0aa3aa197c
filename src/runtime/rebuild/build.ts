/**
 * Building the shadow: engine.ts's groups driven through drive.ts with a limit (never past the
 * live group), from Kafka or from files, until the swap (swap.ts) succeeds.
 */
import type { Admin, Kafka } from 'kafkajs';
import { dialectOf } from '../../sql/dialects/index.js';
import { startGroupConsumer } from '../sources/kafka/consumer.js';
import { partitionEnds } from '../ops/lag.js';
import { countInput, SourceMismatchError, type Fingerprint } from '../sources/ndjson/reader.js';
import { ndjsonSource } from '../sources/ndjson/source.js';
import type { BatchOutcome } from '../sources/source.js';
import { applier, drive } from '../drive.js';
import { describeInput, mismatchMessage } from '../sources/ndjson/record.js';
import { createProgress, type Progress } from '../ops/progress.js';
import { sleep } from '../commit/retry.js';
import { advice } from '../ops/advice.js';
import { swapDecision } from './swap-targets.js';
import { RebuildError, adviceOf, type RebuildOptions } from './options.js';
import { kafkaClient } from '../sources/kafka/client.js';
import type { Logger } from '../ops/log.js';
import { type BuildContext, type SwapOutcome, positionsOf, limitOf, refreshLive, aborted, stoppedError } from './shadow.js';
import { swapUnderLocks, swapInOneTransaction } from './swap.js';

const DEFAULT_SWAP_WITHIN = 2000;
/** Messages left below which the swap is tried at once. */
const NEARLY_THERE = 100;

/** The Kafka clients of a build from Kafka: the shadow's consumers and the end offsets. */
export interface KafkaHistory {
  kafka: Kafka;
  admin: Admin;
}

/** Not connected yet: the caller disconnects the admin whatever happens (rebuild.ts). */
export function kafkaOf(o: RebuildOptions, log: Logger): KafkaHistory {
  const kafka = kafkaClient({ brokers: o.brokers ?? [], clientId: o.clientId ?? 'sc-project-rebuild', log, security: o.kafkaSecurity });
  return { kafka, admin: kafka.admin() };
}

export async function buildFromKafka(x: BuildContext & { kafka: Kafka; admin: Admin }): Promise<SwapOutcome> {
  const { o, log, control: c, runs, admin } = x;
  const topics = [...new Set(runs.flatMap((r) => r.topics))];
  let ends = await partitionEnds(admin, topics);
  for (const r of runs) await refreshLive(c, r);
  const total = ends.reduce((n, e) => n + (e.end - e.low), 0);
  const progress = o.progress === true ? createProgress({ label: `rebuild ${x.names.join(',')}`, total, unit: 'messages', log }) : undefined;
  let fatal: unknown;
  try {
    for (const r of runs) {
      // The consumer holds back what is past the bound (limitOf) and says when a batch stops.
      r.consumer = await startGroupConsumer(x.kafka, r.g.shadow, r.topics, r.processor, applier([r], { stopping: () => false }), log, (e) => { fatal ??= e; }, {
        sessionTimeoutMs: o.sessionTimeoutMs, concurrency: o.concurrency, startFrom: 'earliest', acceptHistoryGap: o.allowPartial === true,
        limit: limitOf(r), limitRetryMs: 100, testHooks: o.testHooks,
      });
    }
    let attempts = 0;
    let lastEnds = Date.now();
    let previous = Number.POSITIVE_INFINITY;
    for (;;) {
      if (fatal !== undefined) throw fatal;
      if (aborted(o)) throw stoppedError(x.names);
      await sleep(o.refreshMs ?? 500);
      if (Date.now() - lastEnds > 2000) {
        ends = await partitionEnds(admin, topics);
        lastEnds = Date.now();
      }
      let remaining = 0;
      let done = 0;
      for (const r of runs) {
        await refreshLive(c, r);
        const parts = await positionsOf(c.query, c, r, ends);
        const d = swapDecision(parts, { others: r.g.others.length > 0, toEnd: true });
        if (d.conflict !== undefined) throw new RebuildError(`rebuild of ${x.names.join(', ')}: ${d.conflict}; the live positions moved back (a database restored?): run the rebuild again from the start (${advice(adviceOf(o), 'cleanup', ...x.names)})`);
        remaining += d.remaining;
        done += parts.reduce((n, p) => n + Math.max(0, (p.shadow ?? p.low ?? 0) - (p.low ?? 0)), 0);
      }
      if (progress !== undefined) {
        progress.setTotal(Math.max(done + remaining, ends.reduce((n, e) => n + (e.end - e.low), 0)));
        if (done > progress.done) progress.advance(done - progress.done);
      }
      // Swap when the shadow is (nearly) there, or, within a batch of it, when it no longer gains on
      // a live group that keeps consuming: what is left is then caught up with the live group paused.
      const gaining = remaining < previous;
      previous = remaining;
      if (remaining > NEARLY_THERE && (remaining > (o.swapWithin ?? DEFAULT_SWAP_WITHIN) || gaining)) continue;
      attempts++;
      const outcome = dialectOf(c.dialect).namedLocks ? await swapUnderLocks(x, async () => partitionEnds(admin, topics), true) : await swapInOneTransaction(x, ends);
      if (outcome !== undefined) return { ...outcome, attempts };
    }
  } finally {
    progress?.finish();
    // The shadow tables are renamed (or the build stopped): nothing more is consumed.
    await Promise.allSettled(runs.map(async (r) => { await r.consumer?.stop(); r.consumer = undefined; }));
  }
}

export async function buildFromFile(from: string | string[], x: BuildContext): Promise<SwapOutcome> {
  const { o, control: c, runs } = x;
  const paths = Array.isArray(from) ? from : [from];
  const progress = o.progress === true ? createProgress({ label: `rebuild ${x.names.join(',')}`, total: await countInput(paths), unit: 'lines', log: x.log }) : undefined;
  try {
    for (let attempts = 1; attempts <= 5; attempts++) {
      for (const r of runs) await refreshLive(c, r);
      await readFile(paths, x, progress);
      const outcome = dialectOf(c.dialect).namedLocks ? await swapUnderLocks(x, async () => [], false) : await swapInOneTransaction(x, []);
      if (outcome !== undefined) return { ...outcome, attempts };
      x.log.info('rebuild: the live group moved on while the file was read: reading on', { attempt: attempts });
    }
  } finally {
    progress?.finish();
  }
  throw new RebuildError(`rebuild of ${x.names.join(', ')}: the live group kept moving past the file's rebuild; stop the live run and run the rebuild again (it resumes)`);
}

/**
 * The shadow reads the file up to the live positions, with run's reader. The live positions were
 * recorded from a stream's first lines (sources/ndjson/record.ts): the file must begin with them, or the
 * rebuilt tables would not match the positions they take over; refused while reading, so no swap.
 */
async function readFile(paths: string[], x: BuildContext, progress: Progress | undefined): Promise<void> {
  const expect = new Map<Fingerprint, string>();
  for (const r of x.runs) {
    const [row] = await x.control.query(x.control.engine.selectSource(r.g.live));
    if (row !== undefined) expect.set({ lines: Number(row.lines), bytes: Number(row.bytes), sha256: String(row.sha256) }, r.g.live);
  }
  const limits = new Map(x.runs.map((r) => [r, limitOf(r)]));
  let seen = 0;
  let outcome: BatchOutcome;
  try {
    // Each shadow group up to its live group's positions (limitOf).
    outcome = await drive(ndjsonSource({ paths, batch: 5000, maxLineBytes: x.o.maxLineBytes, expect: [...expect.keys()] }), x.runs, x.o.signal ?? new AbortController().signal, {
      stopping: () => aborted(x.o),
      limit: (r, topic, partition) => limits.get(r)?.(topic, partition),
      applied: ({ messages: batch, end }) => {
        x.fileEnd = end;
        const last = batch[batch.length - 1];
        if (progress !== undefined && last !== undefined && last.offset + 1 > seen) {
          progress.advance(Math.max(0, last.offset + 1 - progress.done));
          seen = last.offset + 1;
        }
      },
    });
  } catch (e) {
    if (!(e instanceof SourceMismatchError)) throw e;
    throw new RebuildError(`rebuild of ${x.names.join(', ')}: ${mismatchMessage(expect.get(e.expected) ?? '?', describeInput(paths), e.message, 'Nothing was swapped. Rebuild from the input the live group was run from (sc-project cleanup drops what this rebuild built).')}`);
  }
  if (outcome === 'stopped' || aborted(x.o)) throw stoppedError(x.names);
}
