/**
 * `dead-letters replay` as a library function: the letters that pass the filters, applied again
 * through each group's CURRENT specs by the engine itself (engine.ts assembleGroup, drive.ts) from
 * a source that streams them a chunk at a time (source.ts), so memory holds one chunk whatever
 * their number. Each unit's transaction also marks its letters (marks.ts): an applied letter's
 * row goes (a topic letter gets an `applied` mark), one that failed again keeps its place with the
 * new reason and one attempt more. The mark commits with the effects, so a replay killed at any
 * point and run again applies each letter at most once; processed event ids still dedupe. The live
 * group's positions are neither read nor moved (ProcessorOptions.positions: false).
 */
import type { Plan } from '../../compile/plan.js';
import type { RawMessage } from '../apply/message.js';
import { drive, type DriveGroup } from '../drive.js';
import { assembleGroup, type Group } from '../engine.js';
import type { Logger } from '../ops/log.js';
import { createProgress } from '../ops/progress.js';
import { rowReason, type DeadLetter, type DeadLetterSink } from '../outputs/dead-letters/index.js';
import { fetchTransport, systemClock } from '../outputs/http/index.js';
import type { Sink } from '../sinks/sink.js';
import type { TestHooks } from '../test-hooks.js';
import { letterGroup, reasonKey, sortedCounts, type LetterFilter, type StoredLetter } from './letter.js';
import { markLetters } from './marks.js';
import { rollbackSink } from './rollback.js';
import { letterSource, type LetterChunks } from './source.js';

export interface ReplayOptions {
  plan: Plan;
  /** The database: the projections' tables, the table's letters and the marks. */
  sink: Sink;
  /** The letters, in chunks (source.ts tableChunks / topicChunks). */
  letters: LetterChunks;
  filter: LetterFilter;
  /** Apply each chunk in a transaction that is rolled back: say what would apply and what would fail, change nothing. */
  dryRun: boolean;
  log: Logger;
  /** Letters per transaction at most (default: a chunk). */
  maxBatch?: number;
  /** The letters expected, for the progress bar (omitted: no bar). */
  progressTotal?: number;
  /** Count what committed (metrics: ReplayObserver). */
  observer?: ReplayObserver;
  signal?: AbortSignal;
  /** The crash tests' kill point (runtime/test-hooks.ts). */
  testHooks?: TestHooks;
}

/** Told once per replayed chunk. */
export interface ReplayObserver {
  replayed(group: string, applied: number, failedAgain: number): void;
}

export interface ReplayReport {
  dryRun: boolean;
  /** Letters applied (or, with dryRun, that would apply); one whose event was applied before counts too. */
  applied: number;
  failedAgain: number;
  /** Letters left alone: their group is not in the specs, or its routes no longer take their topic. */
  skipped: number;
  /** Failed-again letters by their new reason, most first. */
  byReason: Array<{ reason: string; count: number }>;
  /** The first failed-again letters (id and new reason), for the report. */
  failures: Array<{ id: string; reason: string }>;
  seconds: number;
}

const MAX_FAILURES_LISTED = 50;

/** A group as the replay drives it: only the letters of its own group reach it. */
interface ReplayGroup extends DriveGroup {
  group: Group;
}

export async function replayLetters(o: ReplayOptions): Promise<ReplayReport> {
  const started = performance.now();
  const sink = o.dryRun ? rollbackSink(o.sink) : o.sink;
  const report: ReplayReport = { dryRun: o.dryRun, applied: 0, failedAgain: 0, skipped: 0, byReason: [], failures: [], seconds: 0 };
  const reasons = new Map<string, number>();
  // The letter behind each message of the chunk in flight, and what its last committed attempt did.
  const letterOf = new Map<RawMessage, StoredLetter>();
  const outcome = new Map<RawMessage, string | null>();
  const groups = new Map<string, ReplayGroup>();
  // What drive applies each batch to: grows as chunks bring letters of more groups.
  const driven: ReplayGroup[] = [];
  const planGroups = new Set(o.plan.groups.map((g) => g.group));
  // A letter failing again is marked, never sent or written as a new letter.
  const noLetters: DeadLetterSink = { send: async () => undefined, write: async () => undefined };
  const groupOf = async (name: string): Promise<ReplayGroup> => {
    let g = groups.get(name);
    if (g === undefined) {
      // HTTP outputs are opened for their effect only: a replayed event's records go to the outbox
      // in its transaction, and the flushers of the running engine (never started here) send them.
      const outputs = { transport: fetchTransport, clock: systemClock, env: process.env, bounded: false };
      const group = await assembleGroup(o.plan, name, { sink, deadLetters: noLetters, log: o.log, maxBatch: o.maxBatch, positions: false, watchSpecs: true, outputs });
      g = { group, processor: group.processor, routes: { accepts: (m) => letterGroup(letterOf.get(m)?.group ?? '') === name && group.routes.accepts(m) } };
      groups.set(name, g);
      driven.push(g);
    }
    return g;
  };
  const progress = o.progressTotal === undefined ? undefined : createProgress({ label: o.dryRun ? 'replay (dry run)' : 'replay', total: o.progressTotal, unit: 'letters', log: o.log });
  const source = letterSource(o.letters, o.filter, {
    // Each chunk: its letters known by message, the groups it needs assembled.
    before: async (letters) => {
      letterOf.clear();
      outcome.clear();
      for (const { letter, msgOf } of letters) {
        const name = letterGroup(letter.group);
        if (!planGroups.has(name)) continue;
        letterOf.set(msgOf, letter);
        await groupOf(name);
      }
    },
    inTransaction: async (tx, at, unit) => {
      const failed = new Map<RawMessage, DeadLetter>(unit.letters.map((d) => [d.msg, d]));
      const marks: Array<{ letter: StoredLetter; failed: string | undefined }> = [];
      for (const m of unit.messages) {
        const letter = letterOf.get(m);
        if (letter === undefined) continue;
        const f = failed.get(m);
        const reason = f === undefined ? null : rowReason(f);
        marks.push({ letter, failed: reason ?? undefined });
        outcome.set(m, reason);
      }
      await markLetters(tx, sink, marks, at);
    },
    after: (letters) => {
      // Per group: [applied, failed again] (a page of the table may end one group and begin the next).
      const byGroup = new Map<string, [number, number]>();
      for (const { msgOf, letter } of letters) {
        const r = outcome.get(msgOf);
        if (r === undefined) {
          report.skipped++;
          continue;
        }
        const name = letterGroup(letter.group);
        const n = byGroup.get(name) ?? [0, 0];
        byGroup.set(name, n);
        if (r === null) {
          n[0]++;
          continue;
        }
        n[1]++;
        reasons.set(reasonKey(r), (reasons.get(reasonKey(r)) ?? 0) + 1);
        if (report.failures.length < MAX_FAILURES_LISTED) report.failures.push({ id: letter.id, reason: r });
      }
      for (const [name, [applied, failedAgain]] of byGroup) {
        report.applied += applied;
        report.failedAgain += failedAgain;
        if (!o.dryRun) o.observer?.replayed(name, applied, failedAgain);
      }
      progress?.advance(letters.length);
      o.testHooks?.afterReplayChunk(o.log);
    },
  });
  const signal = o.signal ?? new AbortController().signal;
  try {
    await drive(source, driven, signal, { stopping: () => signal.aborted });
  } finally {
    progress?.finish();
    await Promise.allSettled(driven.map((g) => g.group.outputs?.stop()));
  }
  report.byReason = sortedCounts(reasons);
  report.seconds = (performance.now() - started) / 1000;
  return report;
}
