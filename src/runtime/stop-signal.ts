/**
 * Stopping has one name: an AbortSignal (the runtime's and the rebuild's). Steps that may block
 * for long (kafkajs connecting to an unreachable broker, or joining a group that waits out a
 * killed member's session) are raced against it: a requested stop must never wait for them, and
 * what they do after it is ignored. (A batch's own `stopping()` hook stays: it says more than the
 * signal, e.g. a Kafka batch made stale by a seek.)
 */

/** The step was abandoned because a stop was requested. */
export class StopRequestedError extends Error {
  constructor(step: string) { super(`stop requested while ${step}`); }
}

/** `p`'s result, or StopRequestedError as soon as `signal` aborts; a late failure of `p` is swallowed. */
export async function raceAbort<T>(step: string, p: Promise<T>, signal: AbortSignal): Promise<T> {
  p.catch(() => undefined);
  if (signal.aborted) throw new StopRequestedError(step);
  let onAbort!: () => void;
  const aborted = new Promise<undefined>((resolve) => { onAbort = () => resolve(undefined); });
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    const r = await Promise.race([p.then((value) => ({ value })), aborted]);
    if (r === undefined) throw new StopRequestedError(step);
    return r.value;
  } finally {
    // Long runs race many steps against one signal: leave no listener behind.
    signal.removeEventListener('abort', onAbort);
  }
}

/** Resolves when `signal` aborts (never, if it does not): for reads that block, raced against a stop. */
export function abortPromise(signal: AbortSignal): Promise<void> {
  return new Promise<void>((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener('abort', () => resolve(), { once: true });
  });
}

/** Wait for `p` at most `ms` (true: it settled in time); its failure is swallowed. */
export async function settleWithin(p: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((r) => { timer = setTimeout(() => r(false), ms); });
  try {
    return await Promise.race([p.then(() => true, () => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
