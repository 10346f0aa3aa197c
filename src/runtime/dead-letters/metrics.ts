/**
 * A replay's metrics (`dead-letters replay --http [HOST:]PORT`): letters replayed by group and
 * outcome (`applied`, `failed_again`), counted once per committed chunk, in a registry of the
 * replay's own. A long replay is watched like a run: Prometheus scrapes it while it goes.
 */
import { Counter, Registry } from 'prom-client';
import { METRIC_NAMES } from '../ops/metric-names.js';
import type { ReplayObserver } from './replay.js';

export class ReplayMetrics implements ReplayObserver {
  readonly registry = new Registry();
  private readonly counter: Counter<'group' | 'outcome'>;

  constructor() {
    this.counter = new Counter({
      name: METRIC_NAMES.lettersReplayed, help: 'Dead letters replayed, by group and outcome: applied, or failed_again (kept with the new reason and one attempt more)',
      labelNames: ['group', 'outcome'], registers: [this.registry],
    });
  }

  replayed(group: string, applied: number, failedAgain: number): void {
    if (applied > 0) this.counter.inc({ group, outcome: 'applied' }, applied);
    if (failedAgain > 0) this.counter.inc({ group, outcome: 'failed_again' }, failedAgain);
  }

  async text(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
