/**
 * The swap guard of a group's transactions. A rebuild swaps the live tables for the shadow ones
 * under the partitions' named locks (runtime/rebuild/swap-lock.ts): every transaction that moves
 * a partition's position holds that partition's lock, so no unit commits into a table being
 * renamed. And each transaction reads the group's stored spec fingerprints once the locks are
 * held: a difference (a swap or a migration under the running group) rolls it back with
 * SpecChangedError before it writes anything.
 */
import { dialectOf } from '../../sql/dialects/index.js';
import type { SqlDialect } from '../../sql/dialect.js';
import type { TxGuard, TxStart } from '../sinks/sink.js';
import { partitionLockName } from '../rebuild/swap-lock.js';
import { SpecChangedError, type SpecWatch } from '../lifecycle/spec-watch.js';

export interface SwapGuardOptions {
  /** The group the locks are named after (a rebuild's shadow group takes names of its own). */
  group: string;
  dialect: SqlDialect;
  /** False: no partition locks (ProcessorOptions.partitionLocks). */
  partitionLocks?: boolean;
  specWatch?: SpecWatch;
}

export class SwapGuard {
  /** Partition → its swap-lock name (a hash: computed once). */
  private readonly lockNames = new Map<string, string>();

  constructor(private readonly o: SwapGuardOptions) {}

  /** The locks and the fingerprint check of a transaction that moves these partitions' (posKey) positions. */
  of(keys: Iterable<string>): TxGuard | undefined {
    const locks: string[] = [];
    if (this.o.partitionLocks !== false && dialectOf(this.o.dialect).namedLocks) {
      for (const k of keys) {
        let name = this.lockNames.get(k);
        if (name === undefined) {
          const [topic, partition] = k.split('\u0000') as [string, string];
          name = partitionLockName(this.o.group, topic, Number(partition));
          this.lockNames.set(k, name);
        }
        locks.push(name);
      }
      // One sequence for every transaction, should one ever take several (a file's unit).
      locks.sort();
    }
    const watch = this.o.specWatch;
    if (locks.length === 0 && watch === undefined) return undefined;
    return { locks, ...(watch !== undefined ? { fingerprints: watch.projections } : {}) };
  }

  /** Before the first write: the group's projections must still be built by the specs it started with. */
  check(start: TxStart): void {
    const watch = this.o.specWatch;
    // undefined: the sink read nothing (a wrapper that drops the guard); comparing that would
    // reload the group at every transaction.
    if (watch !== undefined && start.fingerprints !== undefined && start.fingerprints !== watch.expected) throw new SpecChangedError(this.o.group, watch.expected, start.fingerprints);
  }
}
