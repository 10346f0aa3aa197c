/**
 * The errors a group's processor throws to its caller (the consumer, the file loop, the rebuild)
 * and the one it throws to itself (DataError, which bisect.ts catches). Kept apart from the
 * processor so that the retry loop and the bisection, which throw or catch them, need not import it.
 */

/** Thrown when the runtime stops while a unit waits to retry: nothing was committed. */
export class StoppedError extends Error {
  constructor() { super('stopped before the batch could commit'); }
}

/**
 * The stored positions are not what this processor's cache says (another member moved them, or
 * the database was restored, replaced or emptied under the engine). Nothing of the unit was
 * committed; the cache is dropped, and the caller must place the partition again from the
 * database (seek) instead of trusting what it had read.
 */
export class PositionsChangedError extends Error {
  constructor(readonly topic: string, readonly partition: number, readonly expected: number | undefined) {
    super(`the stored position of ${topic}/${partition} is no longer ${expected === undefined ? 'absent' : expected}: it changed under the engine`);
  }
}

/**
 * A batch starts after the partition's expected next offset: applying it would skip the
 * messages between. The caller seeks to `expected` (a fetch that raced the seek on joining).
 */
export class GapError extends Error {
  constructor(readonly topic: string, readonly partition: number, readonly expected: number, readonly first: number) {
    super(`batch of ${topic}/${partition} starts at offset ${first}, the stored position is ${expected}`);
  }
}

/** A database error that retrying and splitting cannot fix (schema, permissions): the group stops. */
export class FatalError extends Error {
  constructor(message: string, cause: unknown) { super(message, { cause }); }
}

/** The database refused a unit for a value it holds: retrying cannot help, splitting can (bisect.ts). */
export class DataError extends Error {}
