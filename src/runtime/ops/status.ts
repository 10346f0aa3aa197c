/**
 * `status` as a library function: where every group of the specs stands, read from the database
 * (the stored positions, the truth) and from Kafka (committed offsets, partition ends, dead-letter
 * topics). It only reads, joins no group, and works whether an engine runs or not.
 */
import { fetchCommitted } from '../sources/kafka/committed.js';
import type { Kafka } from 'kafkajs';
import type { Plan } from '../../compile/plan.js';
import type { KafkaSecurity } from '../sources/kafka/security/options.js';
import { openKnex } from '../../sql/connection.js';
import { ALL_DIALECTS } from '../../sql/dialects/index.js';
import { advice, type AdviceContext } from './advice.js';
import { dlqTopic } from '../outputs/dead-letters/index.js';
import { kafkaClient } from '../sources/kafka/client.js';
import { checkBrokers } from '../sources/kafka/security/probe.js';
import { computeLag, partitionEnds, partitionKey, type PartitionEnds } from './lag.js';
import { specStatus, type ProjectionSpecStatus } from '../lifecycle/fingerprints.js';
import { silentLogger } from './log.js';
import { reasonKey, sortedCounts } from '../dead-letters/letter.js';
import { escapeControls } from '../../redact.js';

export interface StatusOptions {
  plan: Plan;
  databaseUrl: string;
  /** Without brokers only the database side is reported (an embedded run). */
  brokers?: string[];
  /** TLS and SASL for every Kafka client (sources/kafka/security/); absent: PLAINTEXT. */
  kafkaSecurity?: KafkaSecurity;
  clientId?: string;
  /** Partitions lagging more than this are listed in `overMaxLag`. */
  maxLag?: number;
}

export interface PartitionStatus {
  topic: string;
  partition: number;
  /** Next offset stored in the database with the rows (null: nothing applied yet). */
  stored: number | null;
  /** Kafka's committed offset of the group (null: none, or no brokers). */
  committed: number | null;
  /** The partition's end offset (null: no brokers). */
  end: number | null;
  /** end − stored (from the first offset in the log when nothing is stored); null without brokers. */
  lag: number | null;
}

export interface GroupStatus {
  group: string;
  topics: string[];
  /** Topics of the group that do not exist in Kafka. */
  missingTopics: string[];
  partitions: PartitionStatus[];
  /** Sum of the partitions' lag (null without brokers). */
  lag: number | null;
  /** When the group last committed a transaction (ISO 8601, UTC), from the stored positions. */
  lastCommitAt: string | null;
}

export interface DeadLetterCount {
  /** The dead-letter topic, or `sc_dead_letters` (table mode, per source topic). */
  where: string;
  topic: string;
  count: number;
}

export interface SpecsStatus {
  /** `match`, `differ`, or `not recorded` when no run has recorded spec fingerprints here yet. */
  state: 'match' | 'differ' | 'not recorded';
  /** Per projection: the fingerprint on disk, the one that built the tables, what changed and the remedy. */
  details?: Array<{ projection: string; spec: string; built: string | null; changes: string[]; remedy: string }>;
}

/** A rebuild recorded in sc_rebuilds (under way or swapped, its __old tables kept until `cleanup`). */
export interface RebuildStatus {
  projection: string;
  state: string;
  liveGroup: string;
  shadowGroup: string;
  startedAt: string | null;
  updatedAt: string | null;
  /** Messages the shadow has applied (the sum of its next offsets) and the live group's, while building. */
  shadowApplied: number;
  liveApplied: number;
}

export interface StatusReport {
  groups: GroupStatus[];
  deadLetters: DeadLetterCount[];
  /** sc_dead_letters by reason (numbers as N), most first; `dead-letters list --brokers` gives the topics'. */
  deadLetterReasons: Array<{ reason: string; count: number }>;
  specs: SpecsStatus;
  /** Only when a rebuild is recorded. */
  rebuilds?: RebuildStatus[];
  maxLag?: number;
  overMaxLag: Array<{ group: string; topic: string; partition: number; lag: number }>;
}

export async function collectStatus(o: StatusOptions): Promise<StatusReport> {
  const db = openKnex(o.databaseUrl);
  let kafka: Kafka | undefined;
  try {
    const positions = await readPositions(db);
    const tableLetters = await readTableDeadLetters(db);
    const deadLetterReasons = await readLetterReasons(db);
    const specs = await specsStatus(o.databaseUrl, o.plan);
    let ends: PartitionEnds[] | undefined;
    let existing: Set<string> | undefined;
    const committed = new Map<string, Map<string, number>>();
    const deadLetters: DeadLetterCount[] = [];
    if (o.brokers !== undefined && o.brokers.length > 0) {
      await checkBrokers(o.brokers, o.kafkaSecurity, o.clientId ?? 'sc-project-status');
      kafka = kafkaClient({ brokers: o.brokers, clientId: o.clientId ?? 'sc-project-status', log: silentLogger, security: o.kafkaSecurity });
      const admin = kafka.admin();
      await admin.connect();
      try {
        const topics = new Set(await admin.listTopics());
        existing = topics;
        const sources = [...new Set(o.plan.groups.flatMap((g) => g.topics))].filter((t) => topics.has(t));
        ends = await partitionEnds(admin, sources);
        for (const g of o.plan.groups) {
          const offsets = await fetchCommitted(admin, g.group, g.topics.filter((t) => topics.has(t)));
          const m = new Map<string, number>();
          for (const t of offsets) for (const p of t.partitions) if (Number(p.offset) >= 0) m.set(partitionKey(t.topic, p.partition), Number(p.offset));
          committed.set(g.group, m);
        }
        const dlqs = [...new Set(o.plan.groups.flatMap((g) => g.topics))].map(dlqTopic).filter((t) => topics.has(t));
        for (const e of await partitionEnds(admin, dlqs)) {
          const source = e.topic.replace(/\.dlq$/, '');
          const d = deadLetters.find((x) => x.where === e.topic);
          if (d === undefined) deadLetters.push({ where: e.topic, topic: source, count: e.end - e.low });
          else d.count += e.end - e.low;
        }
      } finally {
        await admin.disconnect();
      }
    }
    deadLetters.push(...tableLetters);
    const groups = o.plan.groups.map((g): GroupStatus => {
      const stored = new Map([...(positions.get(g.group)?.next ?? new Map<string, number>())]);
      const partitions: PartitionStatus[] = [];
      if (ends !== undefined) {
        const topics = new Set(g.topics);
        for (const l of computeLag(g.group, ends.filter((e) => topics.has(e.topic)), stored)) {
          partitions.push({ topic: l.topic, partition: l.partition, stored: l.stored ?? null, committed: committed.get(g.group)?.get(partitionKey(l.topic, l.partition)) ?? null, end: l.end, lag: l.lag });
        }
      } else {
        for (const [k, next] of [...stored].sort()) {
          const at = k.lastIndexOf('/');
          partitions.push({ topic: k.slice(0, at), partition: Number(k.slice(at + 1)), stored: next, committed: null, end: null, lag: null });
        }
      }
      const lag = ends === undefined ? null : partitions.reduce((a, p) => a + (p.lag ?? 0), 0);
      const missingTopics = existing === undefined ? [] : g.topics.filter((t) => !(existing as Set<string>).has(t));
      return { group: g.group, topics: [...g.topics], missingTopics, partitions, lag, lastCommitAt: positions.get(g.group)?.lastAt ?? null };
    });
    const rebuilds = await readRebuilds(db, positions);
    const overMaxLag = o.maxLag === undefined ? [] : groups.flatMap((g) => g.partitions.filter((p) => p.lag !== null && p.lag > (o.maxLag as number)).map((p) => ({ group: g.group, topic: p.topic, partition: p.partition, lag: p.lag as number })));
    return { groups, deadLetters, deadLetterReasons, specs, ...(rebuilds.length > 0 ? { rebuilds } : {}), ...(o.maxLag !== undefined ? { maxLag: o.maxLag } : {}), overMaxLag };
  } finally {
    await db.destroy();
  }
}

type Db = ReturnType<typeof openKnex>;

/** A table the engine has not created yet reads as empty (status before the first run). */
function isMissingTable(e: unknown): boolean {
  return typeof e === 'object' && e !== null && ALL_DIALECTS.some((d) => d.errors.isMissingTable(e));
}

async function readRebuilds(db: Db, positions: Map<string, { next: Map<string, number> }>): Promise<RebuildStatus[]> {
  let rows: Array<Record<string, unknown>>;
  try {
    rows = (await db('sc_rebuilds').select('projection', 'state', 'live_group', 'shadow_group', 'started_at', 'updated_at').orderBy('projection')) as Array<Record<string, unknown>>;
  } catch (e) {
    if (isMissingTable(e)) return [];
    throw e;
  }
  const sum = (g: string) => [...(positions.get(g)?.next.values() ?? [])].reduce((a, b) => a + b, 0);
  return rows.map((r) => ({
    projection: String(r.projection), state: String(r.state), liveGroup: String(r.live_group), shadowGroup: String(r.shadow_group),
    startedAt: isoTime(r.started_at), updatedAt: isoTime(r.updated_at), shadowApplied: sum(String(r.shadow_group)), liveApplied: sum(String(r.live_group)),
  }));
}

async function readPositions(db: Db): Promise<Map<string, { next: Map<string, number>; lastAt: string | null }>> {
  const out = new Map<string, { next: Map<string, number>; lastAt: string | null }>();
  let rows: Array<Record<string, unknown>>;
  try {
    rows = (await db('sc_consumer_positions').select('consumer_group', 'topic', 'partition', 'next_offset', 'updated_at')) as Array<Record<string, unknown>>;
  } catch (e) {
    if (isMissingTable(e)) return out;
    throw e;
  }
  for (const r of rows) {
    const group = String(r.consumer_group);
    const g = out.get(group) ?? { next: new Map<string, number>(), lastAt: null };
    out.set(group, g);
    g.next.set(partitionKey(String(r.topic), Number(r.partition)), Number(r.next_offset));
    const at = isoTime(r.updated_at);
    if (at !== null && (g.lastAt === null || at > g.lastAt)) g.lastAt = at;
  }
  return out;
}

/** updated_at as ISO 8601 UTC: the engine writes UTC (sqlNow); drivers give a Date or a string. */
function isoTime(v: unknown): string | null {
  if (v instanceof Date) return v.toISOString();
  if (typeof v === 'string' && v !== '') {
    const d = new Date(v.includes('T') ? v : v.replace(' ', 'T') + 'Z');
    return Number.isNaN(d.getTime()) ? null : d.toISOString();
  }
  return null;
}

async function readTableDeadLetters(db: Db): Promise<DeadLetterCount[]> {
  try {
    const rows = (await db('sc_dead_letters').select('topic').count({ n: '*' }).groupBy('topic').orderBy('topic')) as Array<{ topic: unknown; n: unknown }>;
    return rows.map((r) => ({ where: 'sc_dead_letters', topic: String(r.topic), count: Number(r.n) }));
  } catch (e) {
    if (isMissingTable(e)) return [];
    throw e;
  }
}

async function readLetterReasons(db: Db): Promise<StatusReport['deadLetterReasons']> {
  try {
    const rows = (await db('sc_dead_letters').select('reason').count({ n: '*' }).groupBy('reason')) as Array<{ reason: unknown; n: unknown }>;
    const counts = new Map<string, number>();
    for (const r of rows) counts.set(reasonKey(String(r.reason)), (counts.get(reasonKey(String(r.reason))) ?? 0) + Number(r.n));
    return sortedCounts(counts);
  } catch (e) {
    if (isMissingTable(e)) return [];
    throw e;
  }
}

/** Whether the specs on disk are what built the tables, from the fingerprints `run` records. */
async function specsStatus(databaseUrl: string, plan: Plan): Promise<SpecsStatus> {
  let list: ProjectionSpecStatus[];
  try {
    list = await specStatus(databaseUrl, plan);
  } catch (e) {
    if (isMissingTable(e)) return { state: 'not recorded' };
    throw e;
  }
  if (list.every((p) => p.stored === null)) return { state: 'not recorded' };
  const details = list.map((p) => ({ projection: p.projection, spec: p.current, built: p.stored, changes: p.changes, remedy: p.remedy }));
  return { state: details.every((d) => d.built === d.spec) ? 'match' : 'differ', details };
}

/** `ctx`: where the status was read, so that the commands it advises carry its database and specs. */
export function formatStatus(r: StatusReport, format: 'text' | 'json', ctx?: AdviceContext): string {
  if (format === 'json') return JSON.stringify(r, null, 2) + '\n';
  const lines: string[] = [];
  for (const g of r.groups) {
    lines.push(`group ${g.group}: lag ${g.lag ?? 'unknown (no brokers)'}, last commit ${g.lastCommitAt ?? 'never'}`);
    lines.push(`  ${'topic'.padEnd(40)} ${'part'.padStart(4)} ${'stored'.padStart(12)} ${'committed'.padStart(12)} ${'end'.padStart(12)} ${'lag'.padStart(10)}`);
    const cell = (v: number | null, w: number) => (v === null ? '-' : String(v)).padStart(w);
    for (const p of g.partitions) lines.push(`  ${p.topic.padEnd(40)} ${String(p.partition).padStart(4)} ${cell(p.stored, 12)} ${cell(p.committed, 12)} ${cell(p.end, 12)} ${cell(p.lag, 10)}`);
    if (g.missingTopics.length > 0) lines.push(`  topics missing in Kafka: ${g.missingTopics.join(', ')}`);
    else if (g.partitions.length === 0) lines.push('  (no partitions: nothing applied yet)');
  }
  lines.push('dead letters:');
  if (r.deadLetters.length === 0) lines.push('  none');
  for (const d of r.deadLetters) lines.push(`  ${d.where === 'sc_dead_letters' ? `sc_dead_letters (from ${d.topic})` : d.where}: ${d.count}`);
  if (r.deadLetterReasons.length > 0) lines.push('  sc_dead_letters by reason (sc-project dead-letters list shows them, replay applies them again):');
  for (const x of r.deadLetterReasons.slice(0, 10)) lines.push(`    ${String(x.count).padStart(7)}  ${escapeControls(x.reason)}`);
  lines.push(`specs vs built tables: ${r.specs.state}`);
  for (const d of r.specs.details ?? []) {
    if (d.built === d.spec) continue;
    lines.push(`  ${d.projection}: ${d.built === null ? 'not built by a recorded spec' : `changed (${d.changes.join('; ') || 'fingerprint differs'}), remedy: ${d.remedy}`}`);
  }
  for (const b of r.rebuilds ?? []) {
    lines.push(b.state === 'swapped'
      ? `rebuild of ${b.projection}: swapped ${b.updatedAt ?? ''} (the previous tables are kept as __old: ${advice(ctx, 'cleanup', b.projection)} drops them)`
      : `rebuild of ${b.projection}: ${b.state} since ${b.startedAt ?? '?'}, ${b.shadowApplied} of ${b.liveApplied} messages (group ${b.shadowGroup}; run ${advice(ctx === undefined ? undefined : { ...ctx, sourceUnknown: true }, 'rebuild', b.projection)} to resume it)`);
  }
  if (r.maxLag !== undefined) {
    if (r.overMaxLag.length === 0) lines.push(`lag within --max-lag ${r.maxLag}`);
    else for (const x of r.overMaxLag) lines.push(`LAG OVER --max-lag ${r.maxLag}: group ${x.group} ${x.topic}/${x.partition} lag ${x.lag}`);
  }
  return lines.join('\n') + '\n';
}
