/**
 * The rebuild's state machine (sc_rebuilds): where a run starts (fresh, resumed, or only the
 * bookkeeping of a swap that happened), and the chores of its states: history check, shadow
 * group reset, dropping tables, the per-projection session lock.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { ShadowGroup, ShadowPlan } from '../../compile/shadow.js';
import { sqlNow } from '../../sql/engine-sql.js';
import type { RebuildRow, RebuildState } from '../../sql/rebuild-sql.js';
import { kafkaClient } from '../sources/kafka/client.js';
import { partitionEnds } from '../ops/lag.js';
import { silentLogger, type Logger } from '../ops/log.js';
import { advice } from '../ops/advice.js';
import type { Control } from './control.js';
import { partitionId } from './swap-targets.js';
import { type RebuildOptions, RebuildError, adviceOf } from './options.js';

/** How long a rebuild waits for another one of the same projection (a killed one's session to end). */
export const REBUILD_LOCK_WAIT_S = 10;
const DELETE_CHUNK = 10_000;

interface StateDecision {
  resumed: boolean;
  tag: string;
  /** The rename happened before an interruption: only its bookkeeping is left. */
  swapped: boolean;
}

export async function readRows(c: Control): Promise<RebuildRow[]> {
  return (await c.query(c.sql.selectRebuilds())).map((r) => ({
    projection: String(r.projection), liveGroup: String(r.live_group), shadowGroup: String(r.shadow_group), state: String(r.state) as RebuildState,
    fingerprint: String(r.fingerprint), tag: String(r.tag), tables: String(r.tables), startedAt: String(r.started_at), updatedAt: String(r.updated_at),
  }));
}

export async function existing(c: Control, names: string[]): Promise<Set<string>> {
  if (names.length === 0) return new Set();
  return new Set((await c.query(c.sql.existingTables(names))).map((r) => String(r.name ?? r.NAME ?? r.TABLE_NAME)));
}

/** Where this rebuild starts: fresh, resumed, or only the bookkeeping of a swap that happened. */
export async function resolveState(c: Control, sp: ShadowPlan, names: string[], fingerprints: Map<string, { fingerprint: string }>, o: RebuildOptions, log: Logger): Promise<StateDecision> {
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
  const kafka = kafkaClient({ brokers: o.brokers, clientId: o.clientId ?? 'sc-project-rebuild', log: silentLogger, security: o.kafkaSecurity });
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

export async function resetGroup(c: Control, group: string): Promise<void> {
  await c.exec(c.sql.deletePositions(group));
  while ((await c.exec(c.sql.deleteProcessed(group, DELETE_CHUNK))) > 0) { /* chunked: no huge transaction */ }
}

export async function dropTables(c: Control, tables: string[], log: Logger): Promise<string[]> {
  const there = await existing(c, tables);
  const dropped: string[] = [];
  for (const t of tables.filter((x) => there.has(x))) {
    await c.exec(c.sql.dropTable(t));
    log.info('rebuild: dropped table', { table: t });
    dropped.push(t);
  }
  return dropped;
}

/** The session lock that keeps two rebuilds of one projection apart (MariaDB names: ≤ 64 characters). */
export function rebuildLockName(projection: string): string {
  return `sc-rebuild-${createHash('sha256').update(projection).digest('hex').slice(0, 48)}`;
}
