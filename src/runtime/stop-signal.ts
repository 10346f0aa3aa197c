/**
 * A stop request that steps which may block for long (kafkajs connecting to an unreachable
 * broker, or joining a group that waits out a killed member's session) are raced against: a
 * requested stop must never wait for them, and what they do after it is ignored.
 */

/** The step was abandoned because a stop was requested. */
export class StopRequestedError extends Error {
  constructor(step: string) { super(`stop requested while ${step}`); }
}

export class StopSignal {
  private fired = false;
  private resolve!: () => void;
  readonly promise = new Promise<void>((r) => { this.resolve = r; });

  get requested(): boolean {
    return this.fired;
  }

  request(): void {
    this.fired = true;
    this.resolve();
  }

  /** `p`'s result, or StopRequestedError as soon as a stop is requested; a late failure of `p` is swallowed. */
  async race<T>(step: string, p: Promise<T>): Promise<T> {
    p.catch(() => undefined);
    if (this.fired) throw new StopRequestedError(step);
    const r = await Promise.race([p.then((value) => ({ value })), this.promise.then(() => undefined)]);
    if (r === undefined) throw new StopRequestedError(step);
    return r.value;
  }
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
