/**
 * The 'http' output kind (outputs/registry.ts): a group's HTTP outputs are an outbox effect for
 * its processor (records written in its batch transactions) and one flusher per output.
 */
import type { HttpOutputDef } from '../../../compile/plan.js';
import type { OutputKind } from '../registry.js';
import { outboxEffect } from './effect.js';
import { HttpOutputRunner } from './runner.js';

export const httpOutputs: OutputKind<HttpOutputDef> = {
  async open(plan, group, defs, deps) {
    const runners = new Map(defs.map((d) => [d.name, new HttpOutputRunner(d, deps)]));
    for (const r of runners.values()) await r.init();
    return { effect: outboxEffect(plan, group, runners, deps.sink, deps.clock, deps.bounded), runners: [...runners.values()] };
  },
};
