/**
 * A tombstone's operations on a version-guarded table (issue 22). A guard compares the event's
 * version with the row's, and a tombstone has no value to read one from: only an envelope version
 * read from the record (`$key…`, `$headers.…`) gives it one (an operation's own `version:` is a
 * path into the value or the loop item, which validate refuses in a tombstone).
 * Without one, a `delete` is applied unguarded: a tombstone on a compacted topic says the key's
 * row is gone, whatever version it had (it comes after every earlier record of its key in the
 * partition), which is what an upsert sink's delete means. An insert or update without one is
 * refused by validate (E_TOMBSTONE_VERSION), since it would store a version it does not have.
 */
import type { OperationSpec } from '../spec/types.js';
import type { EnvelopePaths } from './plan.js';
import { parsePathRef } from './value.js';

/** Whether a version path reads the record (key or header) rather than the value a tombstone lacks. */
export function readsRecord(path: string): boolean {
  const ref = parsePathRef(path);
  return 'key' in ref || 'header' in ref;
}

/** Whether a tombstone's operation has a version for a guard to compare. */
export function tombstoneHasVersion(op: OperationSpec, envelope: EnvelopePaths): boolean {
  const own = 'version' in op ? op.version : undefined;
  return own !== undefined ? readsRecord(own) : readsRecord(envelope.version);
}

/** The operation as a tombstone applies it: a delete with no version to compare, unguarded. */
export function tombstoneOp(op: OperationSpec, envelope: EnvelopePaths): OperationSpec {
  if (!('delete' in op) || op.guard === false || tombstoneHasVersion(op, envelope)) return op;
  return { ...op, guard: false };
}
