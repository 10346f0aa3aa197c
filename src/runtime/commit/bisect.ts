/**
 * Finding the message at fault in a unit the database refused for its data (a value too long,
 * out of range, a broken JSON text): retrying cannot help, so the unit is split in halves, and
 * each half committed on its own, until the message at fault is alone. That one is attempted
 * once more with the refusal, so that the attempt dead-letters it instead of writing it.
 *
 * A unit of n messages with one at fault costs about 2·log2(n) extra transactions; the good
 * messages around it still commit, in their delivery sequence.
 */
import { DataError } from './errors.js';

/**
 * Commit `items` as one unit. `rejected` is set only for a unit of one item that the database
 * refused before: the attempt must then set that item aside (dead-letter it) with the reason.
 * Any error but DataError propagates unchanged.
 */
export type Attempt<T> = (items: T[], rejected: DataError | undefined) => Promise<void>;

/** Commit the items, halving on DataError until the item at fault is alone (see above). */
export async function bisect<T>(items: T[], attempt: Attempt<T>, rejected?: DataError): Promise<void> {
  if (items.length === 0) return;
  try {
    await attempt(items, rejected);
  } catch (e) {
    if (!(e instanceof DataError)) throw e;
    if (items.length > 1) {
      const half = Math.ceil(items.length / 2);
      await bisect(items.slice(0, half), attempt);
      await bisect(items.slice(half), attempt);
      return;
    }
    // Alone: attempted once more with the refusal, which sets the item aside. (Were that refused
    // too, it is attempted again, as the processor always did: dead-letter rows are fitted to
    // their columns, outputs/dead-letters, so that is not expected.)
    await bisect(items, attempt, e);
  }
}
