/**
 * A transaction of a group found its projections' stored fingerprints changed (a rebuild swapped
 * their tables, or another engine recorded a new spec): nothing of it was written. Read the specs
 * again; when they are what is stored now, the group starts again under them from the database's
 * positions (the other groups go on); otherwise the runtime stops, naming the projection and both
 * fingerprints. Several partitions noticing it share one reload.
 */
import { fingerprintOf, projectionShape } from '../compile/fingerprint.js';
import type { Plan } from '../compile/plan.js';
import { planOf, type GroupRun } from './api.js';
import { watchOf } from './engine.js';
import { fingerprintMap, type SpecChangedError } from './lifecycle/spec-watch.js';
import type { Logger } from './ops/log.js';
import type { Sink } from './sinks/sink.js';

export interface ReloadDeps {
  log: Logger;
  /** The plan the runtime was given (it cannot be reloaded), or the specs' paths to read again. */
  given: Plan | undefined;
  config: string | string[] | undefined;
  sink: () => Sink;
  stopping: () => boolean;
  stopRequested: () => boolean;
  /** The runtime stops on `e`: replacing an earlier fatal error, or only when there is none (`keep`). */
  stopOn: (e: unknown, keep: boolean) => void;
  /** The group under the new plan (engine.ts), its stats carried over. */
  assemble: (plan: Plan, group: string, g: GroupRun) => Promise<Pick<GroupRun, 'routes' | 'processor' | 'outputs'>>;
  /** Start the group's consumer again (Kafka runs). */
  restart: (g: GroupRun) => Promise<void>;
}

export interface Reloader {
  specChanged(g: GroupRun, e: SpecChangedError): Promise<void>;
  /** For a reload that was not awaited: its failure stops the runtime. */
  failed(g: GroupRun, err: unknown): void;
}

export function reloader(d: ReloadDeps): Reloader {
  const failed = (g: GroupRun, err: unknown): void => {
    if (d.stopRequested()) return;
    d.log.error('reloading the specs failed', { group: g.routes.group, error: err instanceof Error ? err.message : String(err) });
    d.stopOn(err, true);
  };
  return {
    specChanged(g, e) {
      g.reloading ??= reloadGroup(d, g, e).finally(() => { g.reloading = undefined; });
      return g.reloading;
    },
    failed,
  };
}

async function reloadGroup(d: ReloadDeps, g: GroupRun, e: SpecChangedError): Promise<void> {
  const { log } = d;
  const group = g.routes.group;
  const stop = (message: string, fields: Record<string, unknown>): void => {
    log.error('spec changed under the running engine: stopping', { group, ...fields, error: message });
    d.stopOn(new Error(message), false);
  };
  const changed = e.changed();
  const first = changed[0] ?? { projection: '(none)', was: null, now: null };
  const names = changed.map((c) => c.projection).join(', ');
  if (d.given !== undefined) {
    stop(`group ${group}: projection ${names} now has stored spec fingerprint ${first.now ?? 'none'}, this engine runs ${first.was ?? 'none'} from the plan it was given, which it cannot reload: the group stops. Restart it with the new specs (it resumes from the database's positions).`, { projection: names, stored: first.now, running: first.was });
    return;
  }
  let next: Plan;
  try {
    next = planOf(d.config ?? 'projections');
  } catch (err) {
    stop(`group ${group}: projection ${names} was rebuilt (stored spec fingerprint ${first.now ?? 'none'}, this engine runs ${first.was ?? 'none'}), and the specs in ${String(d.config ?? 'projections')} do not validate: ${err instanceof Error ? err.message : String(err)}`, { projection: names, stored: first.now, running: first.was });
    return;
  }
  const mine = next.projections.filter((p) => p.group === group);
  const stored = await watchOf(d.sink(), mine.map((p) => p.name), log);
  const reloaded = new Map(mine.map((p) => [p.name, fingerprintOf(projectionShape(next, p))]));
  const storedNow = fingerprintMap(stored?.expected ?? null);
  const mismatch = [...new Set([...changed.map((c) => c.projection), ...reloaded.keys()])].sort().find((p) => reloaded.get(p) !== storedNow.get(p));
  if (mine.length === 0 || mismatch !== undefined) {
    const p = mismatch ?? first.projection;
    stop(`group ${group}: projection ${p} has stored spec fingerprint ${storedNow.get(p) ?? 'none'} (its tables were rebuilt or recorded by another spec), but the specs in ${String(d.config ?? 'projections')} give ${reloaded.get(p) ?? '(no such projection)'}: this engine cannot see the specs the rebuild used. The group stops; restart sc-project run with those specs (it resumes from the database's positions).`, { projection: p, stored: storedNow.get(p) ?? null, reloaded: reloaded.get(p) ?? null });
    return;
  }
  // Stop the old consumer first: no transaction of the old plan runs once the new one starts.
  await g.kafka?.stop();
  await g.outputs?.stop();
  if (d.stopping()) return;
  const run = await d.assemble(next, group, g);
  g.routes = run.routes;
  g.processor = run.processor;
  g.outputs = run.outputs;
  g.plan = next;
  if (d.stopping()) return;
  g.outputs?.start();
  log.info('spec changed under the running engine (rebuilt): reloaded the specs, resuming the group from the stored positions', { group, projection: names, was: first.was, now: first.now });
  if (g.kafka !== undefined) await d.restart(g);
}
