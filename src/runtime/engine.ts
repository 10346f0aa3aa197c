/**
 * The one place that assembles a consumer group: its routes, its HTTP outputs (the processor's
 * effects), the spec watch that guards against a rebuild's swap, and the processor over them.
 * `run` (and its reload after a swap), the rebuild's shadow groups and `sc-project test` all call
 * it, so a change to how a group is put together reaches every one of them.
 */
import type { Plan } from '../compile/plan.js';
import type { SchemaSource } from './apply/formats/index.js';
import { groupRoutes, type GroupRoutes } from './apply/routes.js';
import { GroupProcessor } from './commit/processor.js';
import { readSpecWatch, type SpecWatch } from './lifecycle/spec-watch.js';
import type { BatchObserver } from './ops/metrics.js';
import type { Logger } from './ops/log.js';
import { newStats, type GroupStats } from './ops/stats.js';
import type { DeadLetterSink } from './outputs/dead-letters/index.js';
import { openGroupOutputs, type GroupOutputs } from './outputs/http/index.js';
import type { OutputDeps } from './outputs/http/runner.js';
import { registryFromEnv, type RegistryProperty } from './registry/index.js';
import type { Sink } from './sinks/sink.js';

/** A group as the engine drives it: a reload after a swap replaces its routes, processor and outputs. */
export interface Group {
  routes: GroupRoutes;
  processor: GroupProcessor;
  stats: GroupStats;
  /** The group's HTTP outputs, when its projections have any (and outputs were asked for). */
  outputs?: GroupOutputs;
  /** The plan the group runs. */
  plan: Plan;
}

export interface AssembleDeps {
  sink: Sink;
  deadLetters: DeadLetterSink;
  log: Logger;
  /** Carried over a reload (default: fresh counters). */
  stats?: GroupStats;
  maxBatch?: number;
  observer?: BatchObserver;
  /** Hold the live group's partition locks (default true); a rebuild's shadow does not. */
  partitionLocks?: boolean;
  /** Where the positions are stored (a file run's named source; default the group). */
  positionsGroup?: string;
  /** Open the group's HTTP outputs with these (omitted: none, as for a rebuild's shadow). */
  outputs?: Omit<OutputDeps, 'sink' | 'deadLetters' | 'log'> & { bounded: boolean };
  /** Watch the stored spec fingerprints, so a swap under the run is noticed (omitted: no watch). */
  watchSpecs?: boolean;
  /** false: neither read nor move positions (a replay of dead letters: ProcessorOptions.positions). */
  positions?: false;
  /** Where registry formats get their schemas (default: the registry SCHEMA_REGISTRY_URL names). */
  schemas?: SchemaSource;
  /** The Kafka properties file's schema registry keys, used when the environment names no registry. */
  registryProperties?: readonly RegistryProperty[];
}

export async function assembleGroup(plan: Plan, group: string, d: AssembleDeps): Promise<Group> {
  const routes = groupRoutes(plan, group, () => d.schemas ?? registryFromEnv(d.log, process.env, d.registryProperties));
  const outputs = d.outputs === undefined ? undefined : await openGroupOutputs(plan, group, { ...d.outputs, sink: d.sink, deadLetters: d.deadLetters, log: d.log });
  const specWatch = d.watchSpecs === true ? await watchOf(d.sink, routes.projections.map((x) => x.name), d.log) : undefined;
  const stats = d.stats ?? newStats();
  const processor = new GroupProcessor({
    sink: d.sink, routes, deadLetters: d.deadLetters, stats, log: d.log, maxBatch: d.maxBatch, observer: d.observer,
    effects: outputs === undefined ? [] : [outputs.effect], specWatch, positionsGroup: d.positionsGroup,
    ...(d.partitionLocks === false ? { partitionLocks: false } : {}),
    ...(d.positions === false ? { positions: false } : {}),
  });
  return { routes, processor, stats, outputs, plan };
}

/** What is stored for the group's projections now; none when the engine's tables were not made (createTables: false). */
export async function watchOf(s: Sink, projections: string[], log: Logger): Promise<SpecWatch | undefined> {
  try {
    return await readSpecWatch(s, projections);
  } catch (e) {
    const err = e as { errno?: unknown; message?: unknown };
    if (err.errno === 1146 || /no such table/iu.test(String(err.message))) {
      log.warn('no sc_spec_fingerprints table: a rebuild\'s swap under this run goes unnoticed', { projections: projections.join(',') });
      return undefined;
    }
    throw e;
  }
}
