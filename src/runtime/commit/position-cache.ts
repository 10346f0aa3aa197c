/**
 * A group's stored positions as its processor knows them: read from the database once, then
 * kept in step by the processor's own commits (the map is the one movePositions compares with),
 * dropped when a rebalance or a changed row says another writer may have moved them. Also where
 * a partition with no stored position starts, as the consumer placed it.
 */
import { sqlNow } from '../../sql/engine-sql.js';
import type { Sink } from '../sinks/sink.js';
import { posKey } from './positions.js';
import { retrying, type RetryContext } from './retrying.js';
import type { SwapGuard } from './swap-guard.js';
import type { ProcessorHooks } from './processor.js';

export class PositionCache {
  private positions: Map<string, number> | undefined;
  /** Where a partition with no stored position starts (set when the consumer places it). */
  readonly starts = new Map<string, number>();

  constructor(private readonly sink: Sink, private readonly group: string, private readonly retry: RetryContext, private readonly swap: SwapGuard) {}

  /** Forget cached positions and start places (after a rebalance another member may have moved them). */
  reset(): void {
    this.positions = undefined;
    this.starts.clear();
  }

  /** Forget the cached positions only: the start places of other partitions still hold. */
  drop(): void {
    this.positions = undefined;
  }

  setStart(topic: string, partition: number, offset: number): void {
    this.starts.set(posKey(topic, partition), offset);
  }

  /** Store a partition's position where none is (`--start-from latest`) or past a deleted gap (positions never move back). */
  async init(topic: string, partition: number, offset: number, hooks: ProcessorHooks): Promise<void> {
    const row = { group: this.group, topic, partition, nextOffset: offset, at: sqlNow() };
    await retrying(this.retry, hooks, () => 'store the start position', () => this.sink.transaction((tx, start) => {
      this.swap.check(start);
      return tx.exec(this.sink.engine.upsertPositions([row]));
    }, this.swap.of([posKey(topic, partition)])));
    this.positions = undefined;
  }

  /** The stored next offset of every partition of the group (read once, then cached). */
  async stored(hooks: ProcessorHooks): Promise<Map<string, number>> {
    if (this.positions === undefined) {
      const rows = await retrying(this.retry, hooks, () => 'read positions', () => this.sink.transaction((tx) => tx.query(this.sink.engine.selectPositions(this.group))));
      this.positions = new Map(rows.map((r) => [posKey(String(r.topic), Number(r.partition)), Number(r.next_offset)]));
    }
    return this.positions;
  }

  /** The next offset known committed for a partition, without a query. */
  known(topic: string, partition: number): number | undefined {
    return this.positions?.get(posKey(topic, partition));
  }
}
