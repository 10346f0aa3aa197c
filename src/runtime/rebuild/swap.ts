/**
 * The swap: the shadow takes over the live group's positions and the RENAME puts its tables in
 * place, under the live group's partition locks (MariaDB, PostgreSQL) or in one write transaction
 * (SQLite), then the bookkeeping (fingerprints, state, the shadow's positions and processed ids).
 */
import type { ShadowGroup, ShadowPlan, TableRename } from '../../compile/shadow.js';
import { ddlSyntaxOf } from '../../sql/dialects/ddl.js';
import { sqlNow } from '../../sql/engine-sql.js';
import type { PartitionEnds } from '../ops/lag.js';
import type { Logger } from '../ops/log.js';
import type { Fingerprint } from '../sources/ndjson/reader.js';
import type { Tx } from '../sinks/sink.js';
import { sleep } from '../commit/retry.js';
import type { Control } from './control.js';
import { partitionLockName } from './swap-lock.js';
import { partitionId, swapDecision, type SwapDecision } from './swap-targets.js';
import { NO_TEST_HOOKS } from '../test-hooks.js';
import { RebuildError } from './options.js';
import { readRows, existing, resetGroup } from './state.js';
import { type GroupRun, type BuildContext, type SwapOutcome, positionsOf, aborted } from './shadow.js';

/**
 * A database with named locks (MariaDB, PostgreSQL): lock every partition of the live groups, wait (bounded) until the shadow stands at the
 * targets, hand positions over, RENAME, record. undefined: not this time (locks not granted, the
 * shadow did not get there in time, or with `wait` false not there at once); the build goes on.
 */
export async function swapUnderLocks(x: BuildContext, endsNow: () => Promise<PartitionEnds[]>, wait: boolean): Promise<SwapOutcome | undefined> {
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
    // MariaDB: the new specs' fingerprints are recorded BEFORE the RENAME (it commits on its own), still
    // under the locks: should this process die between the two, its session's locks go, and the
    // live engine must not go on with the old spec on the new tables (their new effects would be
    // lost for good). With the new fingerprints it reloads the new spec; on the old tables that
    // applies what it can (the resumed rebuild re-applies it to the shadow, which is bounded by the
    // live positions) or stops on a missing column: nothing is lost either way.
    // With transactional DDL (PostgreSQL) the renames are part of that transaction: the hand-over
    // and the new tables commit together, and a kill inside leaves the old tables and positions.
    const inOne = ddlSyntaxOf(c.dialect).transactionalDdl;
    let renameAt = 0;
    await c.transaction(async (tx) => {
      moved = await handOver(tx, c, runs, decisions, since, x.fileEnd);
      await recordSpecs(tx, c, x.names, x.fingerprints);
      renameAt = performance.now();
      if (inOne) for (const st of c.sql.renames(pairs)) await tx.exec(st);
    });
    if (!inOne) {
      renameAt = performance.now();
      for (const st of c.sql.renames(pairs)) await c.exec(st);
    }
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
export async function swapInOneTransaction(x: BuildContext, ends: PartitionEnds[]): Promise<SwapOutcome | undefined> {
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
export async function preCopyProcessed(x: BuildContext): Promise<string> {
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

export async function bookkeeping(tx: Tx, c: Control, names: string[], groups: ShadowGroup[], fingerprints: Map<string, { fingerprint: string; shape: string }>): Promise<void> {
  const at = sqlNow();
  await recordSpecs(tx, c, names, fingerprints);
  await tx.exec(c.sql.setState(names, 'swapped', at));
  for (const g of groups) await tx.exec(c.sql.deletePositions(g.shadow));
}

export async function finishSwap(c: Control, sp: Pick<ShadowPlan, 'renames' | 'groups'>, names: string[], fingerprints: Map<string, { fingerprint: string; shape: string }>): Promise<void> {
  const rows = (await readRows(c)).filter((r) => names.includes(r.projection));
  if (rows.every((r) => r.state === 'swapped')) return;
  await c.transaction((tx) => bookkeeping(tx, c, names, sp.groups, fingerprints));
}

/** The shadow group's processed ids, in chunks, once nothing needs them (outside the live group's pause). */
export async function afterSwap(c: Control, sp: ShadowPlan, log: Logger): Promise<void> {
  for (const g of sp.groups) {
    try {
      await resetGroup(c, g.shadow);
    } catch (e) {
      log.warn('rebuild: could not delete the shadow group\'s processed ids (the next rebuild does)', { group: g.shadow, error: e instanceof Error ? e.message : String(e) });
    }
  }
}
