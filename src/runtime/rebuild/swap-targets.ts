/**
 * Where a rebuild's shadow must stand, per partition, for the swap (pure). The live group's stored
 * position is the bound: the shadow never applies a message at or past it, and the swap happens
 * when the shadow stands exactly there, so the live group carries on from its own positions and
 * nothing is applied twice or missed. Where the live group has no position (it never consumed that
 * partition) there is no bound, and the swap hands the shadow's position to the live group; unless
 * the live group also holds projections that are not rebuilt: they have applied nothing there, so
 * the shadow must not either (the live group applies that partition later, to the new tables).
 */

export interface PartitionPositions {
  topic: string;
  partition: number;
  /** The live group's stored next offset. */
  live?: number;
  /** The shadow group's stored next offset. */
  shadow?: number;
  /** The partition's first offset still in the log (where a shadow without a position starts). */
  low?: number;
  /** The partition's end (high watermark), when known: the goal of an unbounded partition. */
  end?: number;
}

export interface SwapDecision {
  /** Per `topic/partition`: the next offset the shadow must have stored (undefined: none, it applies nothing there). */
  targets: Map<string, number | undefined>;
  /** Messages the shadow still has to apply to reach the targets. */
  remaining: number;
  /** Every partition stands at its target. */
  ready: boolean;
  /** Live positions the swap sets (to the shadow's): partitions with no live position, or one the shadow passed before the live group stored it. */
  moves: Array<{ topic: string; partition: number; nextOffset: number; hadLive: boolean }>;
  /** A partition where the shadow is ahead of a live group that must not be moved (a bug or a database restored under the rebuild). */
  conflict?: string;
}

export const partitionId = (topic: string, partition: number): string => `${topic}/${partition}`;

/**
 * `others`: the live group holds projections that are not rebuilt. `toEnd`: an unbounded
 * partition's target is its end (the swap waits for the shadow to get there, with the consumer
 * still running); otherwise it is where the shadow stands (nothing else writes it meanwhile).
 */
export function swapDecision(parts: PartitionPositions[], o: { others: boolean; toEnd: boolean }): SwapDecision {
  const targets = new Map<string, number | undefined>();
  const moves: SwapDecision['moves'] = [];
  let remaining = 0;
  let ready = true;
  let conflict: string | undefined;
  for (const p of parts) {
    const id = partitionId(p.topic, p.partition);
    const start = p.low ?? 0;
    const at = p.shadow ?? start;
    let target: number | undefined;
    if (p.live !== undefined) {
      if (at > p.live && p.shadow !== undefined) {
        if (o.others) conflict ??= `${id}: the rebuild stands at ${p.shadow}, past the live group's position ${p.live}`;
        target = p.shadow;
      } else target = p.live;
    } else if (o.others) {
      if (p.shadow !== undefined && p.shadow > start) conflict ??= `${id}: the rebuild applied messages the live group (which holds other projections) has not`;
      target = undefined;
    } else {
      target = o.toEnd ? Math.max(p.end ?? at, at) : at;
    }
    targets.set(id, target);
    const goal = target ?? start;
    remaining += Math.max(0, goal - at);
    if (at !== goal) ready = false;
    if (target !== undefined && target !== (p.live ?? start)) {
      moves.push({ topic: p.topic, partition: p.partition, nextOffset: target, hadLive: p.live !== undefined });
    }
  }
  return { targets, remaining, ready: ready && conflict === undefined, moves, ...(conflict !== undefined ? { conflict } : {}) };
}

/** The bound while building: the live position, or nothing applied where the live group (holding other projections) has none. */
export function buildLimit(live: number | undefined, others: boolean): number | undefined {
  if (live !== undefined) return live;
  return others ? 0 : undefined;
}
