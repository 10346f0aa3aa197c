/**
 * A group's committed offsets, read through the admin client. kafkajs' `admin.fetchOffsets` has
 * no retrier of its own: on a fresh broker the group coordinator is still loading
 * `__consumer_offsets` ("This is not the correct coordinator for this group", "The coordinator is
 * loading"), and `status` failed with that line on a brand-new cluster. What kafkajs marks
 * retriable is tried again with backoff, about 25 s in all; anything else goes up at once.
 */
/** Attempts, the first included; the waits double from BASE_MS (0.1 s … 12.8 s). */
const ATTEMPTS = 9;
const BASE_MS = 100;

/** kafkajs' Admin has it; typed structurally, so this module needs no kafkajs. */
interface OffsetsAdmin<T> {
  fetchOffsets(o: { groupId: string; topics: string[] }): Promise<T>;
}

export async function fetchCommitted<T>(admin: OffsetsAdmin<T>, groupId: string, topics: string[], sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms))): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await admin.fetchOffsets({ groupId, topics });
    } catch (e) {
      if (attempt >= ATTEMPTS || (e as { retriable?: unknown }).retriable !== true) throw e;
      await sleep(BASE_MS * 2 ** (attempt - 1));
    }
  }
}
