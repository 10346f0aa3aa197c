/**
 * The embedded run (`run --from`): NDJSON files read as one stream through drive.ts, each group's
 * positions and the stream's fingerprint recorded in its transactions (sources/ndjson/record.ts),
 * so that the next run resumes after what this one applied, or refuses a different input.
 */
import { accessSync, constants as fsConstants, statSync } from 'node:fs';
import type { Plan } from '../compile/plan.js';
import { ConfigError, type GroupRun, type RuntimeOptions } from './api.js';
import { drive, notYetApplied } from './drive.js';
import type { SpecChangedError } from './lifecycle/spec-watch.js';
import type { Logger } from './ops/log.js';
import { createProgress } from './ops/progress.js';
import type { Sink } from './sinks/sink.js';
import { countInput, SourceMismatchError, type Fingerprint } from './sources/ndjson/reader.js';
import { describeInput, expectedPrefix, mismatchMessage, recordIn, SourceRefusedError, storedSource } from './sources/ndjson/record.js';
import { ndjsonSource } from './sources/ndjson/source.js';

export interface FileRunDeps {
  o: Pick<RuntimeOptions, 'progress' | 'fileBatch' | 'maxLineBytes' | 'stdin'>;
  log: Logger;
  sink: Sink;
  groups: GroupRun[];
  stopping: () => boolean;
  signal: AbortSignal;
  /** Where a group's positions are stored (a named source keeps its own). */
  positionsOf: (group: string) => string;
  /** Reload a group whose specs changed; throws when the runtime must stop instead. */
  reload: (g: GroupRun, e: SpecChangedError) => Promise<void>;
}

export async function runFile(d: FileRunDeps, paths: string[]): Promise<void> {
  const { o, sink: s, groups } = d;
  const input = describeInput(paths);
  // The prefix each group's stored positions were recorded from (refused when they are not a file's).
  const expect = new Map<string, Fingerprint>();
  for (const g of groups) {
    const group = d.positionsOf(g.routes.group);
    let prefix: Fingerprint | undefined;
    try {
      prefix = expectedPrefix(group, await storedSource(s, group), input);
    } catch (e) {
      throw e instanceof SourceRefusedError ? new ConfigError(e.message) : e;
    }
    if (prefix !== undefined) expect.set(group, prefix);
  }
  const total = await countInput(paths);
  const progress = o.progress === true ? createProgress({ label: input, total, unit: 'lines', log: d.log }) : undefined;
  // Until every recorded prefix is read and matched, nothing is applied (sources/ndjson/source.ts).
  if (expect.size > 0) for (const g of groups) await g.processor.storedPositions();
  const source = ndjsonSource({ paths, batch: o.fileBatch ?? 5000, maxLineBytes: o.maxLineBytes, expect: [...expect.values()], holdBack: notYetApplied(groups), stdin: o.stdin });
  try {
    await drive(source, groups, d.signal, {
      stopping: d.stopping,
      hooks: (g, batch) => (batch.end === undefined ? {} : { inTransaction: recordIn(s, d.positionsOf(g.routes.group), batch.end) }),
      reload: d.reload,
      // A message's offset is its line number: blank lines count as done too, as in the total.
      applied: (batch) => {
        const lines = batch.end?.lines ?? 0;
        if (progress !== undefined && lines > progress.done) progress.advance(lines - progress.done);
      },
    });
  } catch (e) {
    if (!(e instanceof SourceMismatchError)) throw e;
    const group = [...expect].find(([, f]) => f === e.expected)?.[0] ?? '?';
    throw new ConfigError(mismatchMessage(group, input, e.message));
  } finally {
    progress?.finish();
  }
}

/** The end of a file: flush every output and try to deliver; what fails stays stored for the next run. */
export async function drainOutputs(groups: GroupRun[], stopping: () => boolean): Promise<void> {
  for (const g of groups) {
    if (g.outputs === undefined) continue;
    if (!stopping()) await g.outputs.drain();
    await g.outputs.stop();
  }
}

/** A pipe or a device may be read too (its reads are raced against a stop); a directory may not. */
export function checkReadableFile(path: string): void {
  try {
    if (statSync(path).isDirectory()) throw new ConfigError(`--from ${path}: not a file`);
    accessSync(path, fsConstants.R_OK);
  } catch (e) {
    if (e instanceof ConfigError) throw e;
    const code = (e as { code?: unknown }).code;
    throw new ConfigError(`--from ${path}: ${code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : e instanceof Error ? e.message : String(e)}`);
  }
}

/** The rows of every table at the end of a file run (the summary). */
export async function countRows(databaseUrl: string, plan: Plan): Promise<Record<string, number>> {
  const { openKnex } = await import('../sql/connection.js');
  const db = openKnex(databaseUrl);
  try {
    const out: Record<string, number> = {};
    for (const t of [...plan.tables.map((x) => x.name), 'sc_dead_letters']) {
      const [row] = (await db(t).count({ n: '*' })) as Array<{ n: number | string }>;
      out[t] = Number(row?.n ?? 0);
    }
    return out;
  } finally {
    await db.destroy();
  }
}
