/**
 * Output kinds (STYLE §2, after benthos' one registration per component kind): the plan's
 * outputs are a union on `kind`, and this maps each kind to how a group's outputs of that kind
 * are opened. A new kind is a member of OutputDef (compile/plan.ts), a folder here and one line
 * in KINDS; the build fails while a kind has no entry.
 */
import type { OutputDef, Plan } from '../../compile/plan.js';
import type { BatchEffect } from '../commit/processor.js';
import { httpOutputs } from './http/kind.js';
import type { OutputDeps, OutputStats } from './http/runner.js';

/** What the runtime hands every kind (each takes what it needs). */
export type OpenDeps = OutputDeps & {
  /**
   * Pause consumption while an output has its maximum of records waiting (Kafka); a file run
   * reads a finite file into a database table, so it does not wait for the endpoint.
   */
  bounded: boolean;
};

/** One output's flusher, whatever its kind. */
export interface OutputRunner {
  readonly def: { name: string };
  readonly stats: OutputStats;
  start(): void;
  /** Resolves true when nothing is left undelivered; `drain`: until the buffer is empty. */
  flush(o?: { drain?: boolean }): Promise<boolean>;
  stop(): Promise<void>;
}

/** How a group's outputs of one kind are opened: their effect on its batches and their flushers. */
export interface OutputKind<D extends OutputDef> {
  open(plan: Plan, group: string, defs: D[], deps: OpenDeps): Promise<{ effect: BatchEffect; runners: OutputRunner[] }>;
}

type Kinds = { [K in OutputDef['kind']]: OutputKind<Extract<OutputDef, { kind: K }>> };

const KINDS: Kinds = {
  http: httpOutputs,
};

export interface GroupOutputs {
  effect: BatchEffect;
  runners: OutputRunner[];
  /** Start the flush timers (a batch left by a previous run is resent at once). */
  start(): void;
  /** Flush everything and try to deliver it (the end of a file run); what fails stays stored. */
  drain(): Promise<void>;
  stop(): Promise<void>;
  stats(): Record<string, OutputStats>;
}

/** The outputs of one consumer group, of every kind, opened through KINDS; undefined when it has none. */
export async function openGroupOutputs(plan: Plan, group: string, deps: OpenDeps): Promise<GroupOutputs | undefined> {
  const effects: BatchEffect[] = [];
  const list: OutputRunner[] = [];
  for (const kind of Object.keys(KINDS) as Array<OutputDef['kind']>) {
    const defs = (plan.outputs ?? []).filter((o) => o.kind === kind && o.group === group);
    if (defs.length === 0) continue;
    const opened = await KINDS[kind].open(plan, group, defs, deps);
    effects.push(opened.effect);
    list.push(...opened.runners);
  }
  const [effect] = effects;
  if (effect === undefined) return undefined;
  return {
    // One kind open (always, today): its effect as it is, with nothing between it and each event.
    effect: effects.length === 1 ? effect : combineEffects(effects),
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

/** The effects of several kinds as one: each prepares and writes its own part, in KINDS' sequence. */
export function combineEffects(effects: BatchEffect[]): BatchEffect {
  return {
    prepare: (event) => effects.map((e) => e.prepare(event)),
    async write(tx, events, at) {
      const done: Array<() => void> = [];
      for (const [i, e] of effects.entries()) {
        const d = await e.write(tx, events.map((x) => ({ event: x.event, prepared: (x.prepared as unknown[])[i] })), at);
        if (d !== undefined) done.push(d);
      }
      return () => done.forEach((d) => d());
    },
    async admit(hooks) {
      for (const e of effects) await e.admit?.(hooks);
    },
  };
}
