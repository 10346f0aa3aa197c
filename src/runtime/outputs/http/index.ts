/**
 * HTTP outputs of one consumer group, chosen by the plan: an outbox effect for the group's
 * processor (records written in its batch transactions) and one flusher per output.
 */
import type { Plan } from '../../../compile/plan.js';
import type { BatchEffect } from '../../commit/processor.js';
import { outboxEffect } from './effect.js';
import { HttpOutputRunner, type OutputDeps, type OutputStats } from './runner.js';

export { fetchTransport, systemClock, type Clock, type HttpRequest, type HttpResponse, type Transport } from './transport.js';
export type { OutputStats } from './runner.js';

export interface GroupOutputs {
  effect: BatchEffect;
  runners: HttpOutputRunner[];
  /** Start the flush timers (a batch left by a previous run is resent at once). */
  start(): void;
  /** Flush everything and try to deliver it (the end of a file run); what fails stays stored. */
  drain(): Promise<void>;
  stop(): Promise<void>;
  stats(): Record<string, OutputStats>;
}

/**
 * `bounded`: pause consumption while an output has max_buffered records waiting (Kafka); a file
 * run reads a finite file into a database table, so it does not wait for the endpoint.
 */
export async function openGroupOutputs(plan: Plan, group: string, deps: OutputDeps & { bounded: boolean }): Promise<GroupOutputs | undefined> {
  const defs = (plan.outputs ?? []).filter((o) => o.group === group);
  if (defs.length === 0) return undefined;
  const runners = new Map(defs.map((d) => [d.name, new HttpOutputRunner(d, deps)]));
  for (const r of runners.values()) await r.init();
  const effect = outboxEffect(plan, group, runners, deps.sink, deps.clock, deps.bounded);
  const list = [...runners.values()];
  return {
    effect,
    runners: list,
    start: () => list.forEach((r) => r.start()),
    async drain() {
      for (const r of list) await r.flush({ drain: true });
    },
    async stop() {
      await Promise.all(list.map((r) => r.stop()));
    },
    stats: () => Object.fromEntries(list.map((r) => [r.def.name, r.stats])),
  };
}
