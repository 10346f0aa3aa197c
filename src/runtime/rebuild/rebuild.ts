/**
 * `rebuild`: a blue-green rebuild of projections from the whole history of their topics, while
 * the live projection keeps serving and consuming.
 *
 * 1. The shadow plan (compile/shadow.ts): the projections' tables as `<table>__next`, their group
 *    as `<group>.rebuild`, with positions and processed ids of its own. The state row of each
 *    projection (sc_rebuilds) is written before anything else, so a second run resumes.
 * 2. Build: the shadow tables are created from the specs on disk and the topics are consumed from
 *    the earliest offset under the shadow group, with the normal processor, never applying a message
 *    at or past the live group's stored position of its partition (swap-targets.ts).
 * 3. Swap, once the shadow is within a batch of the live positions. MariaDB: take the live group's
 *    partition locks (swap-lock.ts; every live transaction holds its partition's lock), let the
 *    shadow reach exactly the live positions, then one atomic RENAME TABLE (a → a__old,
 *    a__next → a), record the spec's fingerprint and the state, release. SQLite: one BEGIN
 *    IMMEDIATE transaction (its write lock pauses the live writers) that checks the positions,
 *    renames, records. The live group then carries on from its own positions, which are the shadow's.
 * 4. After: the shadow group's positions and processed ids are deleted; `__old` tables are kept
 *    until `dropOld` or `cleanupRebuilds`.
 * kill -9 anywhere resumes: the state says where, and between the rename and its bookkeeping the
 * tables that exist say whether the rename happened.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Admin, Kafka } from 'kafkajs';
import { fingerprintOf, projectionShape } from '../../compile/fingerprint.js';
import type { Plan } from '../../compile/plan.js';
import { shadowPlan, ShadowPlanError, type ShadowGroup, type ShadowPlan, type TableRename } from '../../compile/shadow.js';
import { formatDiagnostics } from '../../diagnostics.js';
import { applyDdl, ApplyError } from '../../sql/apply.js';
import { dialectOf } from '../../sql/dialects/index.js';
import { sqlNow } from '../../sql/engine-sql.js';
import { ENGINE_TABLES, REBUILDS_TABLE } from '../../sql/engine-tables.js';
import type { RebuildRow, RebuildState } from '../../sql/rebuild-sql.js';
import { validatePaths } from '../../validate/index.js';
import { TABLE_DEAD_LETTERS } from '../outputs/dead-letters/index.js';
import { startGroupConsumer, type GroupConsumerHandle } from '../sources/kafka/consumer.js';
import { kafkaClient } from '../sources/kafka/client.js';
import { partitionEnds, type PartitionEnds } from '../ops/lag.js';
import { silentLogger, type Logger } from '../ops/log.js';
import { countInput, INVALID_LINE_TOPIC, SourceMismatchError, type Fingerprint } from '../sources/ndjson/reader.js';
import { ndjsonSource } from '../sources/ndjson/source.js';
import type { BatchOutcome } from '../sources/source.js';
import { applier, drive } from '../drive.js';
import { describeInput, mismatchMessage } from '../sources/ndjson/record.js';
import { createProgress, type Progress } from '../ops/progress.js';
import { assembleGroup, type Group } from '../engine.js';
import { openSink } from '../sinks/open.js';
import type { Sink, Tx } from '../sinks/sink.js';
import { sleep } from '../commit/retry.js';
import { advice, type AdviceContext } from '../ops/advice.js';
import { openControl, type Control } from './control.js';
import { partitionLockName } from './swap-lock.js';
import { buildLimit, partitionId, swapDecision, type PartitionPositions, type SwapDecision } from './swap-targets.js';
import { NO_TEST_HOOKS, type TestHooks } from '../test-hooks.js';

export interface RebuildOptions {
  /** Spec files or folders (the NEW specs), or give `plan`. */
  config?: string | string[];
  plan?: Plan;
  /** Projection names to rebuild (together: one swap). */
  projections: string[];
  databaseUrl: string;
  /** Kafka brokers (or `from`). */
  brokers?: string[];
  clientId?: string;
  /** The embedded default: read the history from these NDJSON files (one stream, as `run --from`) instead of Kafka. */
  from?: string | string[];
  /** A file line longer than this is a dead letter (default 16 MiB, as `run`). */
  maxLineBytes?: number;
  /** Rebuild although a partition's earliest offset is above 0 (history deleted by retention). */
  allowPartial?: boolean;
  /** Drop the `__old` tables right after the swap (and ones an earlier rebuild left). */
  dropOld?: boolean;
  /** Progress: a bar on a terminal, lines otherwise (default false). */
  progress?: boolean;
  logger?: Logger;
  sessionTimeoutMs?: number;
  concurrency?: number;
  maxBatch?: number;
  /**
   * Try the swap once the shadow is at most this many messages behind the live positions and no
   * longer gaining on them (default 2000), or at most 100 behind.
   */
  swapWithin?: number;
  /** How long a MariaDB swap may hold the live group's locks waiting for the shadow (default 10 s); then it lets go and tries again. */
  swapTimeoutMs?: number;
  /** How often the live positions are read (default 500 ms). */
  refreshMs?: number;
  /** Abort: the consumers stop, what committed stays committed, and the next run resumes. */
  signal?: AbortSignal;
  /** Test-only crash points (default: none): inside the swap, and the shadow consumers' commits. */
  testHooks?: TestHooks;
}

export interface RebuildReport {
  projections: string[];
  tables: TableRename[];
  /** True when an earlier, interrupted rebuild was carried on. */
  resumed: boolean;
  /** Messages the shadow read and of those the events it applied (this run). */
  events: number;
  applied: number;
  deadLettered: number;
  eventsPerS: number;
  buildMs: number;
  /** The live group's pause: locks taken (MariaDB) or the write transaction begun (SQLite) until released. */
  swapMs: number;
  swapAttempts: number;
  /** Live positions set to the shadow's (partitions the live group had not consumed). */
  movedPositions: number;
  droppedOld: string[];
}

/** Refused or failed with a message that says which projection, what, and what to do. */
export class RebuildError extends Error {}

const DEFAULT_SWAP_WITHIN = 2000;
/** How long a rebuild waits for another one of the same projection (a killed one's session to end). */
const REBUILD_LOCK_WAIT_S = 10;
/** Messages left below which the swap is tried at once. */
const NEARLY_THERE = 100;
const DELETE_CHUNK = 10_000;

interface GroupRun extends Group {
  g: ShadowGroup;
  topics: string[];
  /** The live group's stored positions, refreshed. */
  live: Map<string, number>;
  /** During a MariaDB swap: the shadow's exact targets. */
  frozen?: Map<string, number | undefined>;
  consumer?: GroupConsumerHandle;
}

/** What a command line printed by this rebuild must carry to run on the same source, specs and database. */
export function adviceOf(o: Pick<RebuildOptions, 'from' | 'config' | 'databaseUrl'>): AdviceContext {
  return { from: o.from, config: o.config, databaseUrl: o.databaseUrl };
}

export async function rebuild(o: RebuildOptions): Promise<RebuildReport> {
  const log = o.logger ?? silentLogger;
  const plan = o.plan ?? planOf(o.config ?? 'projections');
  const names = [...new Set(o.projections)].sort();
  if (names.length === 0) throw new RebuildError('name the projections to rebuild: sc-project rebuild <projection…>');
  let first: ShadowPlan;
  try {
    first = shadowPlan(plan, names);
  } catch (e) {
    if (e instanceof ShadowPlanError) throw new RebuildError(`cannot rebuild: ${e.message}${e.together === undefined ? '' : ` (${advice(adviceOf(o), 'rebuild', ...e.together)})`}`);
    throw e;
  }
  if (o.from === undefined && (o.brokers === undefined || o.brokers.length === 0)) throw new RebuildError('no Kafka brokers: give --brokers or KAFKA_BROKERS, or rebuild from a file with --from');
  try {
    await applyDdl(o.databaseUrl, [...ENGINE_TABLES, REBUILDS_TABLE]);
  } catch (e) {
    if (e instanceof ApplyError) throw new RebuildError(`cannot prepare the engine tables: ${e.message}`);
    throw e;
  }
  const fingerprints = new Map(plan.projections.filter((p) => names.includes(p.name)).map((p) => {
    const shape = projectionShape(plan, p);
    return [p.name, { fingerprint: fingerprintOf(shape), shape: JSON.stringify(shape) }] as const;
  }));
  const sink = await openSink(o.databaseUrl, { connections: (o.concurrency ?? 2) * first.groups.length + 1 });
  let control: Control | undefined;
  let kafka: Kafka | undefined;
  let admin: Admin | undefined;
  const runs: GroupRun[] = [];
  try {
    control = await openControl(o.databaseUrl, sink);
    const c = control;
    // One rebuild of a projection at a time (MariaDB): the lock lives as long as this session. A
    // wait, not a try: the session of a rebuild killed a moment ago may not be gone yet.
    for (const n of names) {
      if (!(await c.lock(rebuildLockName(n), REBUILD_LOCK_WAIT_S))) throw new RebuildError(`projection ${n}: another sc-project rebuild of it is running; wait for it (or stop it: the next run resumes)`);
    }
    if (o.from === undefined) {
      kafka = kafkaClient({ brokers: o.brokers ?? [], clientId: o.clientId ?? 'sc-project-rebuild', log });
      admin = kafka.admin();
      await admin.connect();
    }
    const state = await resolveState(c, first, names, fingerprints, o, log);
    const report: RebuildReport = { projections: names, tables: first.renames, resumed: state.resumed, events: 0, applied: 0, deadLettered: 0, eventsPerS: 0, buildMs: 0, swapMs: 0, swapAttempts: 0, movedPositions: 0, droppedOld: [] };
    if (state.swapped) {
      log.info('rebuild: the swap had happened before the interruption; its bookkeeping is done now', { projections: names.join(',') });
    } else {
      const sp = shadowPlan(plan, names, { indexBase: (live) => `${live}__${state.tag}` });
      try {
        const created = await applyDdl(o.databaseUrl, sp.plan.tables);
        for (const t of created.created) log.info('rebuild: created shadow table', { table: t });
        for (const d of created.differences) log.warn('rebuild: shadow table differs from the spec', { ...d });
      } catch (e) {
        if (e instanceof ApplyError) throw new RebuildError(`cannot create the shadow tables: ${e.message}`);
        throw e;
      }
      for (const g of sp.groups) {
        // The shadow takes no partition locks (no swap waits for its own), and has no outputs.
        const group = await assembleGroup(sp.plan, g.shadow, { sink, deadLetters: TABLE_DEAD_LETTERS, log, maxBatch: o.maxBatch, partitionLocks: false });
        runs.push({ ...group, g, topics: group.routes.topics, live: new Map() });
      }
      const started = performance.now();
      const swap = o.from !== undefined
        ? await buildFromFile(o.from, { o, log, sink, control: c, runs, plan, names, fingerprints, renames: first.renames })
        : await buildFromKafka({ o, log, sink, control: c, runs, plan, names, fingerprints, renames: first.renames, kafka: kafka as Kafka, admin: admin as Admin });
      report.buildMs = Math.round(performance.now() - started);
      report.swapMs = Math.round(swap.swapMs);
      report.swapAttempts = swap.attempts;
      report.movedPositions = swap.moved;
      for (const r of runs) {
        report.events += r.stats.events;
        report.applied += r.stats.applied;
        report.deadLettered += r.stats.deadLettered;
      }
      report.eventsPerS = report.buildMs > 0 ? Math.round(report.events / (report.buildMs / 1000)) : 0;
      log.info('rebuild: swapped', { projections: names.join(','), events: report.events, applied: report.applied, dead_lettered: report.deadLettered, events_per_s: report.eventsPerS, swap_ms: report.swapMs, swap_attempts: report.swapAttempts });
    }
    await finishSwap(c, first, names, fingerprints);
    await afterSwap(c, first, log);
    if (admin !== undefined) await admin.deleteGroups(first.groups.map((g) => g.shadow)).catch((e: unknown) => log.warn('rebuild: could not delete the shadow group in Kafka (harmless)', { error: e instanceof Error ? e.message : String(e) }));
    if (o.dropOld === true) report.droppedOld = await dropTables(c, first.renames.map((r) => r.old), log);
    return report;
  } finally {
    await Promise.allSettled(runs.map((r) => r.consumer?.stop()));
    await admin?.disconnect().catch(() => undefined);
    await control?.close();
    await sink.close();
  }
}

interface StateDecision {
  resumed: boolean;
  tag: string;
  /** The rename happened before an interruption: only its bookkeeping is left. */
  swapped: boolean;
}

async function readRows(c: Control): Promise<RebuildRow[]> {
  return (await c.query(c.sql.selectRebuilds())).map((r) => ({
    projection: String(r.projection), liveGroup: String(r.live_group), shadowGroup: String(r.shadow_group), state: String(r.state) as RebuildState,
    fingerprint: String(r.fingerprint), tag: String(r.tag), tables: String(r.tables), startedAt: String(r.started_at), updatedAt: String(r.updated_at),
  }));
}

async function existing(c: Control, names: string[]): Promise<Set<string>> {
  if (names.length === 0) return new Set();
  return new Set((await c.query(c.sql.existingTables(names))).map((r) => String(r.name ?? r.NAME ?? r.TABLE_NAME)));
}

/** Where this rebuild starts: fresh, resumed, or only the bookkeeping of a swap that happened. */
async function resolveState(c: Control, sp: ShadowPlan, names: string[], fingerprints: Map<string, { fingerprint: string }>, o: RebuildOptions, log: Logger): Promise<StateDecision> {
  const rows = await readRows(c);
  const shadowGroups = new Set(sp.groups.map((g) => g.shadow));
  for (const r of rows) {
    if (r.state !== 'swapped' && !names.includes(r.projection) && shadowGroups.has(r.shadowGroup)) {
      throw new RebuildError(`projection ${r.projection} of the same group is being rebuilt (state ${r.state}, started ${r.startedAt}): finish it first (${advice(adviceOf(o), 'rebuild', r.projection)}), or rebuild them together`);
    }
  }
  const active = rows.filter((r) => names.includes(r.projection) && r.state !== 'swapped');
  // Run again after an interruption past the swap (its __old tables still there, the specs the
  // same): it is done; only what follows the swap is left. A new rebuild of the same specs needs
  // `cleanup` first, like any rebuild while __old tables are kept.
  const done = rows.filter((r) => names.includes(r.projection) && r.state === 'swapped' && r.fingerprint === fingerprints.get(r.projection)?.fingerprint);
  if (active.length === 0 && done.length === names.length && new Set(done.map((r) => r.startedAt)).size === 1) {
    const olds = await existing(c, sp.renames.map((r) => r.old));
    const tables = await existing(c, sp.renames.map((r) => r.next));
    if (tables.size === 0 && (olds.size > 0 || o.dropOld === true)) {
      log.info('rebuild: already swapped with these specs (the run was interrupted after the swap): finishing', { projections: names.join(','), started: done[0]?.startedAt ?? '' });
      return { resumed: true, tag: done[0]?.tag ?? '', swapped: true };
    }
  }
  if (active.length > 0) {
    const missing = names.filter((n) => !active.some((r) => r.projection === n));
    const activeNames = active.map((r) => r.projection);
    if (missing.length > 0) throw new RebuildError(`a rebuild of ${activeNames.join(', ')} is under way (started ${active[0]?.startedAt}): resume it with exactly those projections (${advice(adviceOf(o), 'rebuild', ...activeNames)}), then rebuild ${missing.join(', ')}`);
    const tag = active[0]?.tag ?? '';
    const tables = await existing(c, sp.renames.flatMap((r) => [r.live, r.next]));
    const renamed = sp.renames.every((r) => !tables.has(r.next) && tables.has(r.live));
    if (active.some((r) => r.state === 'swapping') && renamed) return { resumed: true, tag, swapped: true };
    const changed = active.filter((r) => r.fingerprint !== fingerprints.get(r.projection)?.fingerprint);
    if (changed.length === 0 && active.every((r) => r.tag === tag)) {
      if (active.some((r) => r.state === 'swapping')) await c.exec(c.sql.setState(names, 'building', sqlNow()));
      log.info('rebuild: resuming an interrupted rebuild', { projections: names.join(','), started: active[0]?.startedAt ?? '' });
      await checkPartial(sp, o, c);
      return { resumed: true, tag, swapped: false };
    }
    log.warn('rebuild: the specs changed since the interrupted rebuild began: starting it again', { projections: changed.map((r) => r.projection).join(',') });
    await dropTables(c, sp.renames.map((r) => r.next), log);
  } else {
    const tables = await existing(c, sp.renames.flatMap((r) => [r.next, r.old]));
    const olds = sp.renames.filter((r) => tables.has(r.old)).map((r) => r.old);
    if (olds.length > 0) {
      if (o.dropOld !== true) throw new RebuildError(`projection ${names.join(', ')}: table ${olds.join(', ')} (kept by an earlier rebuild) is where the live tables would go: drop it with ${advice(adviceOf(o), 'cleanup', ...names)}, or rebuild with --drop-old`);
      await dropTables(c, olds, log);
    }
    const nexts = sp.renames.filter((r) => tables.has(r.next)).map((r) => r.next);
    if (nexts.length > 0) throw new RebuildError(`projection ${names.join(', ')}: table ${nexts.join(', ')} exists but no rebuild is recorded: it is not this engine's to overwrite; drop it (${advice(adviceOf(o), 'cleanup', ...names)} drops rebuild tables) and run again`);
  }
  await checkPartial(sp, o, c);
  // A fresh start: nothing the shadow group had before counts (an earlier rebuild's leftovers).
  for (const g of sp.groups) await resetGroup(c, g.shadow);
  const tag = randomBytes(3).toString('hex');
  const at = sqlNow();
  for (const n of names) {
    const g = sp.groups.find((x) => x.rebuilt.includes(n)) as ShadowGroup;
    await c.exec(c.sql.upsertRebuild({ projection: n, liveGroup: g.live, shadowGroup: g.shadow, state: 'building', fingerprint: fingerprints.get(n)?.fingerprint ?? '', tag, tables: JSON.stringify(sp.renames), startedAt: at, updatedAt: at }));
  }
  log.info('rebuild: started', { projections: names.join(','), shadow_groups: sp.groups.map((g) => g.shadow).join(','), tables: sp.renames.map((r) => r.next).join(',') });
  return { resumed: false, tag, swapped: false };
}

/** History deleted by retention: a rebuild would silently lack it (unless told to accept that). */
async function checkPartial(sp: ShadowPlan, o: RebuildOptions, c: Control): Promise<void> {
  if (o.from !== undefined || o.allowPartial === true || o.brokers === undefined) return;
  const kafka = kafkaClient({ brokers: o.brokers, clientId: o.clientId ?? 'sc-project-rebuild', log: silentLogger });
  const admin = kafka.admin();
  await admin.connect();
  try {
    const topics = [...new Set(sp.plan.groups.flatMap((g) => g.topics))];
    const known = new Set(topics.length === 0 ? [] : (await admin.listTopics()));
    const absent = topics.filter((t) => !known.has(t));
    if (absent.length > 0) throw new RebuildError(`projection ${sp.groups.flatMap((g) => g.rebuilt).join(', ')}: topic ${absent.join(', ')} does not exist in Kafka: nothing to rebuild from (check the spec's topics and --brokers)`);
    const shadow = new Map<string, number>();
    for (const g of sp.groups) for (const r of await c.query(c.engine.selectPositions(g.shadow))) shadow.set(partitionId(String(r.topic), Number(r.partition)), Number(r.next_offset));
    const partial = (await partitionEnds(admin, topics)).filter((e) => e.low > 0 && (shadow.get(partitionId(e.topic, e.partition)) ?? 0) < e.low);
    if (partial.length > 0) {
      const where = partial.map((e) => `${e.topic}/${e.partition} starts at offset ${e.low}`).join(', ');
      throw new RebuildError(`projection ${sp.groups.flatMap((g) => g.rebuilt).join(', ')}: history is incomplete (${where}: earlier messages were deleted by retention), so a rebuild would not hold what the live tables hold. Rebuild from what is left with --allow-partial, or restore the history first`);
    }
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

async function resetGroup(c: Control, group: string): Promise<void> {
  await c.exec(c.sql.deletePositions(group));
  while ((await c.exec(c.sql.deleteProcessed(group, DELETE_CHUNK))) > 0) { /* chunked: no huge transaction */ }
}

async function dropTables(c: Control, tables: string[], log: Logger): Promise<string[]> {
  const there = await existing(c, tables);
  const dropped: string[] = [];
  for (const t of tables.filter((x) => there.has(x))) {
    await c.exec(c.sql.dropTable(t));
    log.info('rebuild: dropped table', { table: t });
    dropped.push(t);
  }
  return dropped;
}

interface BuildContext {
  o: RebuildOptions;
  log: Logger;
  sink: Sink;
  control: Control;
  runs: GroupRun[];
  plan: Plan;
  names: string[];
  fingerprints: Map<string, { fingerprint: string; shape: string }>;
  renames: TableRename[];
  /** The shadow's processed ids stamped before this are in the live group already (preCopyProcessed). */
  copiedSince?: string;
  /** A file rebuild: the fingerprint of the lines read, which the live group's source record takes with its positions. */
  fileEnd?: Fingerprint;
}

interface SwapOutcome {
  swapMs: number;
  attempts: number;
  moved: number;
}

/** The live and shadow positions of a run's partitions (its topics, and broken lines' pseudo-topic). */
async function positionsOf(q: (st: import('../../sql/statement.js').Statement) => Promise<Array<Record<string, unknown>>>, c: Control, r: GroupRun, ends: PartitionEnds[]): Promise<PartitionPositions[]> {
  const read = async (group: string) => new Map((await q(c.engine.selectPositions(group))).map((x) => [partitionId(String(x.topic), Number(x.partition)), { topic: String(x.topic), partition: Number(x.partition), next: Number(x.next_offset) }]));
  const [live, shadow] = [await read(r.g.live), await read(r.g.shadow)];
  const topics = new Set([...r.topics, INVALID_LINE_TOPIC]);
  const parts = new Map<string, PartitionPositions>();
  for (const e of ends) if (topics.has(e.topic)) parts.set(partitionId(e.topic, e.partition), { topic: e.topic, partition: e.partition, low: e.low, end: e.end });
  for (const m of [live, shadow]) {
    for (const [id, p] of m) if (topics.has(p.topic) && !parts.has(id)) parts.set(id, { topic: p.topic, partition: p.partition });
  }
  for (const [id, p] of parts) {
    const l = live.get(id);
    const s = shadow.get(id);
    if (l !== undefined) p.live = l.next;
    if (s !== undefined) p.shadow = s.next;
  }
  return [...parts.values()].sort((a, b) => (a.topic === b.topic ? a.partition - b.partition : a.topic < b.topic ? -1 : 1));
}

function limitOf(r: GroupRun): (topic: string, partition: number) => number | undefined {
  return (topic, partition) => {
    const id = partitionId(topic, partition);
    if (r.frozen !== undefined) return r.frozen.get(id) ?? 0;
    return buildLimit(r.live.get(id), r.g.others.length > 0);
  };
}

async function refreshLive(c: Control, r: GroupRun): Promise<void> {
  const rows = await c.query(c.engine.selectPositions(r.g.live));
  r.live = new Map(rows.map((x) => [partitionId(String(x.topic), Number(x.partition)), Number(x.next_offset)]));
}

function aborted(o: RebuildOptions): boolean {
  return o.signal?.aborted === true;
}

function stoppedError(names: string[]): RebuildError {
  return new RebuildError(`rebuild of ${names.join(', ')} stopped before the swap: what it built is kept, run the same command again to resume`);
}

async function buildFromKafka(x: BuildContext & { kafka: Kafka; admin: Admin }): Promise<SwapOutcome> {
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

async function buildFromFile(from: string | string[], x: BuildContext): Promise<SwapOutcome> {
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

/**
 * A database with named locks (MariaDB): lock every partition of the live groups, wait (bounded) until the shadow stands at the
 * targets, hand positions over, RENAME, record. undefined: not this time (locks not granted, the
 * shadow did not get there in time, or with `wait` false not there at once); the build goes on.
 */
async function swapUnderLocks(x: BuildContext, endsNow: () => Promise<PartitionEnds[]>, wait: boolean): Promise<SwapOutcome | undefined> {
  const { o, log, control: c, runs } = x;
  const ends = await endsNow();
  const partsBefore = await Promise.all(runs.map((r) => positionsOf(c.query, c, r, ends)));
  const locks = [...new Set(runs.flatMap((r, i) => (partsBefore[i] ?? []).map((p) => partitionLockName(r.g.live, p.topic, p.partition))))].sort();
  const since = await preCopyProcessed(x);
  const held: string[] = [];
  const t0 = performance.now();
  let swapped: SwapOutcome | undefined;
  let phases: Record<string, number> = {};
  try {
    for (const l of locks) {
      if (!(await c.lock(l, 2))) {
        log.info('rebuild: a live transaction holds a partition lock: trying the swap again shortly');
        return undefined;
      }
      held.push(l);
    }
    const lockedAt = performance.now();
    await c.exec(c.sql.setState(x.names, 'swapping', sqlNow()));
    (o.testHooks ?? NO_TEST_HOOKS).inSwap('locked', log);
    // The partitions' ends matter only where the live group has no position (the target is the
    // end); reading them is a round trip per topic, so not while the live group waits without need.
    const unbounded = runs.some((r, i) => r.g.others.length === 0 && (partsBefore[i] ?? []).some((p) => p.live === undefined));
    const endsLocked = unbounded ? await endsNow() : ends;
    const decisions: SwapDecision[] = [];
    for (const r of runs) {
      const d = swapDecision(await positionsOf(c.query, c, r, endsLocked), { others: r.g.others.length > 0, toEnd: wait });
      if (d.conflict !== undefined) throw new RebuildError(`rebuild of ${x.names.join(', ')}: ${d.conflict}`);
      r.frozen = d.targets;
      decisions.push(d);
    }
    const deadline = Date.now() + (o.swapTimeoutMs ?? 10_000);
    for (;;) {
      let ready = true;
      for (const [i, r] of runs.entries()) {
        const targets = (decisions[i] as SwapDecision).targets;
        for (const p of await positionsOf(c.query, c, r, endsLocked)) {
          const start = p.low ?? 0;
          if ((p.shadow ?? start) !== (targets.get(partitionId(p.topic, p.partition)) ?? start)) ready = false;
        }
      }
      if (ready) break;
      if (!wait || Date.now() > deadline || aborted(o)) {
        await c.exec(c.sql.setState(x.names, 'building', sqlNow()));
        log.info('rebuild: the shadow did not reach the live positions while they were held: going on, trying again shortly', { waited_ms: Math.round(performance.now() - t0) });
        return undefined;
      }
      await sleep(20);
    }
    const reachedAt = performance.now();
    let moved = 0;
    const pairs = renamePairs(x.renames, await existing(c, x.renames.map((r) => r.live)));
    // The new specs' fingerprints are recorded BEFORE the RENAME (it commits on its own), still
    // under the locks: should this process die between the two, its session's locks go, and the
    // live engine must not go on with the old spec on the new tables (their new effects would be
    // lost for good). With the new fingerprints it reloads the new spec; on the old tables that
    // applies what it can (the resumed rebuild re-applies it to the shadow, which is bounded by the
    // live positions) or stops on a missing column: nothing is lost either way.
    await c.transaction(async (tx) => {
      moved = await handOver(tx, c, runs, decisions, since, x.fileEnd);
      await recordSpecs(tx, c, x.names, x.fingerprints);
    });
    const renameAt = performance.now();
    for (const st of c.sql.renames(pairs)) await c.exec(st);
    const renamedAt = performance.now();
    (o.testHooks ?? NO_TEST_HOOKS).inSwap('renamed', log);
    await finishSwap(c, { renames: x.renames, groups: runs.map((r) => r.g) }, x.names, x.fingerprints);
    swapped = { swapMs: 0, attempts: 0, moved };
    phases = { locks_ms: Math.round(lockedAt - t0), reach_ms: Math.round(reachedAt - lockedAt), rename_ms: Math.round(renamedAt - renameAt), bookkeeping_ms: Math.round(performance.now() - renamedAt) };
    return swapped;
  } finally {
    for (const r of runs) r.frozen = undefined;
    await c.unlock(held).catch(() => undefined);
    if (swapped !== undefined) {
      // The live group's pause: the first lock asked for until the last one released.
      swapped.swapMs = performance.now() - t0;
      log.info('rebuild: swap done', { pause_ms: Math.round(swapped.swapMs), locks: held.length, ...phases });
    }
  }
}

/**
 * A database without named locks (SQLite), whose write transactions take turns anyway: one write
 * transaction; not ready (the live group moved meanwhile): roll back and go on.
 */
async function swapInOneTransaction(x: BuildContext, ends: PartitionEnds[]): Promise<SwapOutcome | undefined> {
  const { control: c, runs } = x;
  const t0 = performance.now();
  class NotYet extends Error {}
  try {
    const moved = await c.transaction(async (tx) => {
      const decisions: SwapDecision[] = [];
      for (const r of runs) {
        const d = swapDecision(await positionsOf((st) => tx.query(st), c, r, ends), { others: r.g.others.length > 0, toEnd: false });
        if (d.conflict !== undefined) throw new RebuildError(`rebuild of ${x.names.join(', ')}: ${d.conflict}`);
        if (!d.ready) throw new NotYet();
        decisions.push(d);
      }
      const n = await handOver(tx, c, runs, decisions, undefined, x.fileEnd);
      const there = new Set((await tx.query(c.sql.existingTables(x.renames.map((r) => r.live)))).map((r) => String(r.name)));
      for (const st of c.sql.renames(renamePairs(x.renames, there))) await tx.exec(st);
      await bookkeeping(tx, c, x.names, runs.map((r) => r.g), x.fingerprints);
      return n;
    });
    const swapMs = performance.now() - t0;
    x.log.info('rebuild: swap done', { pause_ms: Math.round(swapMs) });
    return { swapMs, attempts: 0, moved };
  } catch (e) {
    if (e instanceof NotYet) return undefined;
    throw e;
  }
}

/** The live group's positions where the swap sets them, and then the shadow's processed ids are its too. */
async function handOver(tx: Tx, c: Control, runs: GroupRun[], decisions: SwapDecision[], since?: string, fileEnd?: Fingerprint): Promise<number> {
  const at = sqlNow();
  let moved = 0;
  for (const [i, r] of runs.entries()) {
    const d = decisions[i] as SwapDecision;
    for (const m of d.moves) await tx.exec(c.sql.setPosition(r.g.live, m.topic, m.partition, m.nextOffset, at));
    moved += d.moves.length;
    // Positions moved to the file's line numbers: the live group's source record names the lines
    // they count (sources/ndjson/record.ts), so its next `run --from` resumes after them rather than refusing.
    if (fileEnd !== undefined && d.moves.length > 0) await tx.exec(c.engine.upsertSource({ group: r.g.live, kind: 'file', ...fileEnd, at }));
    // A redelivery after the swap must be recognised by the live group, also of an event only the
    // new spec handles (the old one skipped it, so the live group has no id of it): always copy.
    await tx.exec(c.sql.copyProcessed(r.g.shadow, r.g.live, since));
  }
  return moved;
}

/**
 * Most of the shadow's processed ids are copied to the live group before the swap takes its
 * locks, so the live group's pause copies only the last seconds' (the shadow's clock stamps them:
 * it runs in this process). The 5 s margin covers DATETIME's whole seconds and a shadow
 * transaction in flight when this copy starts, stamped at its claim and committed after it; one
 * that took longer than the margin between its claim and its commit would leave its ids out.
 */
async function preCopyProcessed(x: BuildContext): Promise<string> {
  const since = sqlNow(new Date(Date.now() - 5_000));
  for (const r of x.runs) await x.control.exec(x.control.sql.copyProcessed(r.g.shadow, r.g.live, x.copiedSince));
  x.copiedSince = since;
  return since;
}

function renamePairs(renames: TableRename[], liveThere: Set<string>): Array<[string, string]> {
  return renames.flatMap((r): Array<[string, string]> => (liveThere.has(r.live) ? [[r.live, r.old], [r.next, r.live]] : [[r.next, r.live]]));
}

/** The specs' fingerprints (the live engine notices the change), the state, the shadow's positions. */
async function recordSpecs(tx: Tx, c: Control, names: string[], fingerprints: Map<string, { fingerprint: string; shape: string }>): Promise<void> {
  const at = sqlNow();
  for (const n of names) {
    const f = fingerprints.get(n);
    if (f !== undefined) await tx.exec(c.sql.upsertFingerprint(n, f.fingerprint, f.shape, at));
  }
}

async function bookkeeping(tx: Tx, c: Control, names: string[], groups: ShadowGroup[], fingerprints: Map<string, { fingerprint: string; shape: string }>): Promise<void> {
  const at = sqlNow();
  await recordSpecs(tx, c, names, fingerprints);
  await tx.exec(c.sql.setState(names, 'swapped', at));
  for (const g of groups) await tx.exec(c.sql.deletePositions(g.shadow));
}

async function finishSwap(c: Control, sp: Pick<ShadowPlan, 'renames' | 'groups'>, names: string[], fingerprints: Map<string, { fingerprint: string; shape: string }>): Promise<void> {
  const rows = (await readRows(c)).filter((r) => names.includes(r.projection));
  if (rows.every((r) => r.state === 'swapped')) return;
  await c.transaction((tx) => bookkeeping(tx, c, names, sp.groups, fingerprints));
}

/** The shadow group's processed ids, in chunks, once nothing needs them (outside the live group's pause). */
async function afterSwap(c: Control, sp: ShadowPlan, log: Logger): Promise<void> {
  for (const g of sp.groups) {
    try {
      await resetGroup(c, g.shadow);
    } catch (e) {
      log.warn('rebuild: could not delete the shadow group\'s processed ids (the next rebuild does)', { group: g.shadow, error: e instanceof Error ? e.message : String(e) });
    }
  }
}

export interface CleanupOptions {
  databaseUrl: string;
  /** Only these projections (default: every projection with a finished rebuild). */
  projections?: string[];
  logger?: Logger;
}

export interface CleanupReport {
  dropped: string[];
  /** Projections whose rebuild is still under way: nothing of theirs was dropped. */
  underWay: string[];
}

/**
 * Drop what finished rebuilds kept (`__old` tables) and forget them. A rebuild under way keeps
 * its tables: it resumes, or, named explicitly, is abandoned (its `__next` tables dropped).
 */
export async function cleanupRebuilds(o: CleanupOptions): Promise<CleanupReport> {
  const log = o.logger ?? silentLogger;
  await applyDdl(o.databaseUrl, [...ENGINE_TABLES, REBUILDS_TABLE]);
  const sink = await openSink(o.databaseUrl, { connections: 1 });
  const c = await openControl(o.databaseUrl, sink);
  try {
    const rows = (await readRows(c)).filter((r) => o.projections === undefined || o.projections.includes(r.projection));
    const report: CleanupReport = { dropped: [], underWay: [] };
    for (const r of rows) {
      const renames = JSON.parse(r.tables) as TableRename[];
      if (r.state !== 'swapped') {
        if (o.projections === undefined) {
          report.underWay.push(r.projection);
          continue;
        }
        if (!(await c.lock(rebuildLockName(r.projection), REBUILD_LOCK_WAIT_S))) throw new RebuildError(`projection ${r.projection}: a rebuild of it is running; stop it first`);
        log.info('cleanup: abandoning the rebuild under way', { projection: r.projection, state: r.state });
        report.dropped.push(...(await dropTables(c, renames.map((t) => t.next), log)));
        await resetGroup(c, r.shadowGroup);
      } else {
        report.dropped.push(...(await dropTables(c, renames.map((t) => t.old), log)));
      }
      await c.exec(c.sql.deleteRebuilds([r.projection]));
    }
    return report;
  } finally {
    await c.close();
    await sink.close();
  }
}

/** The recorded rebuilds (for `status`). */
export async function listRebuilds(databaseUrl: string): Promise<RebuildRow[]> {
  const sink = await openSink(databaseUrl, { connections: 1 });
  const c = await openControl(databaseUrl, sink);
  try {
    if ((await existing(c, [REBUILDS_TABLE.name])).size === 0) return [];
    return await readRows(c);
  } finally {
    await c.close();
    await sink.close();
  }
}

/** The session lock that keeps two rebuilds of one projection apart (MariaDB names: ≤ 64 characters). */
function rebuildLockName(projection: string): string {
  return `sc-rebuild-${createHash('sha256').update(projection).digest('hex').slice(0, 48)}`;
}

function planOf(config: string | string[]): Plan {
  const v = validatePaths(Array.isArray(config) ? config : [config]);
  if (v.plan === undefined) throw new RebuildError(formatDiagnostics(v.diagnostics, 'text'));
  return v.plan;
}
