/**
 * The pause a blue-green swap needs (MariaDB). Every live transaction of a group on one partition
 * holds that partition's named lock (GET_LOCK) from before its first statement until after its
 * commit or rollback; a rebuild's swap takes the locks of all the live group's partitions of the
 * rebuilt projections' topics, so no live transaction commits while it reads the live positions,
 * brings the shadow tables exactly to them and renames the tables. Named locks outlive the implicit
 * commit of RENAME TABLE and vanish with a killed session, so a crashed swap never wedges the live
 * group. SQLite needs none of this: its write lock already serialises the swap's one transaction
 * with the live ones.
 */
import { createHash } from 'node:crypto';

/** MariaDB limits lock names to 64 characters: a prefix and a hash of the coordinates. */
export function partitionLockName(group: string, topic: string, partition: number): string {
  const h = createHash('sha256').update(`${group}\u0000${topic}\u0000${partition}`).digest('hex').slice(0, 48);
  return `sc-p-${h}`;
}
