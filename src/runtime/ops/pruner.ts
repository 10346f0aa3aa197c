/** Pruning processed event ids in the background, one prune at a time; closing waits for the one in flight. */
import type { Sink } from '../sinks/sink.js';
import type { Logger } from './log.js';
import { pruneProcessed } from './retention.js';

export class Pruner {
  /** The prune in progress (it stops between chunks once stopping). */
  private pruning: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly sink: Sink, private readonly retentionMs: number, private readonly log: Logger, private readonly stopping: () => boolean) {}

  prune(): Promise<void> {
    if (this.stopping() || this.pruning !== undefined) return this.pruning ?? Promise.resolve();
    this.pruning = (async () => {
      try {
        const n = await pruneProcessed(this.sink, this.retentionMs, this.stopping);
        if (n > 0) this.log.info('pruned processed event ids', { deleted: n, older_than_ms: this.retentionMs });
      } catch (e) {
        this.log.warn('pruning processed events failed (will retry)', { error: e instanceof Error ? e.message : String(e) });
      } finally {
        this.pruning = undefined;
      }
    })();
    return this.pruning;
  }

  /** The embedded run prunes once before it reads its file; a consumer prunes in the background. */
  async start(background: boolean, intervalMs: number): Promise<void> {
    if (!background) return this.prune();
    void this.prune();
    this.timer = setInterval(() => void this.prune(), intervalMs);
  }

  /** No prune starts any more; resolves once the one in flight ended. */
  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.pruning;
  }
}
