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
 *
 * This file runs those steps in sequence; each is a module of its own: state.ts (where a run
 * starts), build.ts (the shadow: engine.ts + drive.ts + a limit), swap.ts, cleanup.ts.
 */
import { checkBrokers, KafkaSecurityError } from '../sources/kafka/security/probe.js';
import { fingerprintOf, projectionShape } from '../../compile/fingerprint.js';
import type { Plan } from '../../compile/plan.js';
import { shadowPlan, ShadowPlanError, type ShadowPlan } from '../../compile/shadow.js';
import { formatDiagnostics } from '../../diagnostics.js';
import { applyDdl, ApplyError } from '../../sql/apply.js';
import { ENGINE_TABLES, REBUILDS_TABLE } from '../../sql/engine-tables.js';
import { validatePaths } from '../../validate/index.js';
import { TABLE_DEAD_LETTERS } from '../outputs/dead-letters/index.js';
import { silentLogger } from '../ops/log.js';
import { assembleGroup } from '../engine.js';
import { schemasDir } from '../registry/index.js';
import { openSink } from '../sinks/open.js';
import { advice } from '../ops/advice.js';
import { openControl, type Control } from './control.js';
import { type RebuildOptions, type RebuildReport, RebuildError, adviceOf } from './options.js';
import { REBUILD_LOCK_WAIT_S, resolveState, dropTables, rebuildLockName } from './state.js';
import type { GroupRun } from './shadow.js';
import { buildFromFile, buildFromKafka, kafkaOf, type KafkaHistory } from './build.js';
import { finishSwap, afterSwap } from './swap.js';

export { adviceOf, RebuildError, type RebuildOptions, type RebuildReport } from './options.js';
export { cleanupRebuilds, listRebuilds, type CleanupOptions, type CleanupReport } from './cleanup.js';

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
  if (o.from === undefined) {
    try {
      await checkBrokers(o.brokers ?? [], o.kafkaSecurity, o.clientId ?? 'sc-project-rebuild');
    } catch (e) {
      throw e instanceof KafkaSecurityError ? new RebuildError(e.message) : e;
    }
  }
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
  let kafka: KafkaHistory | undefined;
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
      kafka = kafkaOf(o, log);
      await kafka.admin.connect();
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
      const schemas = o.schemasDir === undefined ? undefined : schemasDir(o.schemasDir);
      for (const g of sp.groups) {
        // The shadow takes no partition locks (no swap waits for its own), and has no outputs.
        const group = await assembleGroup(sp.plan, g.shadow, { sink, deadLetters: TABLE_DEAD_LETTERS, log, maxBatch: o.maxBatch, partitionLocks: false, ...(schemas !== undefined ? { schemas } : {}), registryProperties: o.kafkaSecurity?.registry });
        runs.push({ ...group, g, topics: group.routes.topics, live: new Map() });
      }
      const started = performance.now();
      const swap = o.from !== undefined
        ? await buildFromFile(o.from, { o, log, sink, control: c, runs, plan, names, fingerprints, renames: first.renames })
        : await buildFromKafka({ o, log, sink, control: c, runs, plan, names, fingerprints, renames: first.renames, ...(kafka as KafkaHistory) });
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
    if (kafka !== undefined) await kafka.admin.deleteGroups(first.groups.map((g) => g.shadow)).catch((e: unknown) => log.warn('rebuild: could not delete the shadow group in Kafka (harmless)', { error: e instanceof Error ? e.message : String(e) }));
    if (o.dropOld === true) report.droppedOld = await dropTables(c, first.renames.map((r) => r.old), log);
    return report;
  } finally {
    await Promise.allSettled(runs.map((r) => r.consumer?.stop()));
    await kafka?.admin.disconnect().catch(() => undefined);
    await control?.close();
    await sink.close();
  }
}

function planOf(config: string | string[]): Plan {
  const v = validatePaths(Array.isArray(config) ? config : [config]);
  if (v.plan === undefined) throw new RebuildError(formatDiagnostics(v.diagnostics, 'text'));
  return v.plan;
}
