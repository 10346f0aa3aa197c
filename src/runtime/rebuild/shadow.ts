/**
 * The shadow groups of a build and their positions: what the live group has stored, what the
 * shadow has, and the bound that keeps the shadow behind the live group (swap-targets.ts).
 */
import type { Plan } from '../../compile/plan.js';
import type { ShadowGroup, TableRename } from '../../compile/shadow.js';
import type { GroupConsumerHandle } from '../sources/kafka/consumer.js';
import type { PartitionEnds } from '../ops/lag.js';
import type { Logger } from '../ops/log.js';
import { INVALID_LINE_TOPIC, type Fingerprint } from '../sources/ndjson/reader.js';
import type { Group } from '../engine.js';
import type { Sink } from '../sinks/sink.js';
import type { Control } from './control.js';
import { buildLimit, partitionId, type PartitionPositions } from './swap-targets.js';
import { type RebuildOptions, RebuildError } from './options.js';

export interface GroupRun extends Group {
  g: ShadowGroup;
  topics: string[];
  /** The live group's stored positions, refreshed. */
  live: Map<string, number>;
  /** During a MariaDB swap: the shadow's exact targets. */
  frozen?: Map<string, number | undefined>;
  consumer?: GroupConsumerHandle;
}

export interface BuildContext {
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

export interface SwapOutcome {
  swapMs: number;
  attempts: number;
  moved: number;
}

/** The live and shadow positions of a run's partitions (its topics, and broken lines' pseudo-topic). */
export async function positionsOf(q: (st: import('../../sql/statement.js').Statement) => Promise<Array<Record<string, unknown>>>, c: Control, r: GroupRun, ends: PartitionEnds[]): Promise<PartitionPositions[]> {
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

export function limitOf(r: GroupRun): (topic: string, partition: number) => number | undefined {
  return (topic, partition) => {
    const id = partitionId(topic, partition);
    if (r.frozen !== undefined) return r.frozen.get(id) ?? 0;
    return buildLimit(r.live.get(id), r.g.others.length > 0);
  };
}

export async function refreshLive(c: Control, r: GroupRun): Promise<void> {
  const rows = await c.query(c.engine.selectPositions(r.g.live));
  r.live = new Map(rows.map((x) => [partitionId(String(x.topic), Number(x.partition)), Number(x.next_offset)]));
}

export function aborted(o: RebuildOptions): boolean {
  return o.signal?.aborted === true;
}

export function stoppedError(names: string[]): RebuildError {
  return new RebuildError(`rebuild of ${names.join(', ')} stopped before the swap: what it built is kept, run the same command again to resume`);
}
