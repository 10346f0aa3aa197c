/**
 * `sc-project dead-letters replay [filters] [--dry-run]`: the letters of the table (and, with
 * --brokers, of the `.dlq` topics) applied again through the specs of --config as they are now.
 * Exit 0 when every letter applied, 3 when some failed again (they stay, with the new reason and
 * one attempt more), 1 on an error.
 */
import type { Plan } from '../compile/plan.js';
import { engineTablesFor } from '../sql/engine-tables.js';
import { migrateDatabase } from '../sql/migrate-run.js';
import { replayLetters, type ReplayReport } from '../runtime/dead-letters/replay.js';
import { concatChunks, tableChunks, topicChunks } from '../runtime/dead-letters/source.js';
import { countTableLetters } from '../runtime/dead-letters/table-letters.js';
import { createLogger } from '../runtime/ops/log.js';
import { parseListen, startOpsServer, type OpsServer } from '../runtime/ops/http-server.js';
import { ReplayMetrics } from '../runtime/dead-letters/metrics.js';
import type { TestHooks } from '../runtime/test-hooks.js';
import { openLetters, printable, type LetterCommandOptions } from './dead-letters.js';
import { EXIT_FAILED, EXIT_INCOMPLETE, EXIT_OK, EXIT_USAGE, result, type CommandResult } from './io.js';

export interface ReplayCommandOptions extends LetterCommandOptions {
  dryRun?: boolean;
  /** Serve the replay's /metrics (and probes) here while it runs. */
  http?: string;
  chunk?: string;
  progress?: boolean;
  logFormat?: string;
}

export async function replayCommand(o: ReplayCommandOptions, signal?: AbortSignal, testHooks?: TestHooks): Promise<CommandResult> {
  const chunk = o.chunk === undefined ? 500 : Number(o.chunk);
  if (!Number.isInteger(chunk) || chunk < 1) return result(EXIT_USAGE, '', `--chunk must be a whole number ≥ 1, got ${o.chunk}\n`);
  if (o.logFormat !== undefined && o.logFormat !== 'text' && o.logFormat !== 'json') return result(EXIT_USAGE, '', `--log-format must be text or json, got ${o.logFormat}\n`);
  const listen = o.http === undefined ? undefined : parseListen(o.http);
  if (o.http !== undefined && listen === undefined) return result(EXIT_USAGE, '', `--http must be [HOST:]PORT, got ${o.http}\n`);
  const opened = await openLetters(o, { plan: true });
  if ('code' in opened) return opened;
  const { stores, filter } = opened;
  const sink = stores.sink;
  const plan = opened.plan as Plan;
  const metrics = new ReplayMetrics();
  let server: OpsServer | undefined;
  try {
    if (listen !== undefined) {
      const up = { ok: true, reasons: [], checks: {} };
      server = await startOpsServer(listen, { metrics: () => metrics.text(), health: () => up, ready: () => up });
    }
    if (sink === undefined || stores.databaseUrl === undefined) return result(EXIT_USAGE, '', 'replay needs the database the projections write to: give --database-url or DATABASE_URL\n');
    // The columns and the table the marks need (an additive change `run` makes too); a dry run
    // changes nothing, so it asks for them instead.
    const engine = await migrateDatabase(stores.databaseUrl, engineTablesFor(plan), { apply: o.dryRun !== true });
    const pending = engine.migrations.filter((m) => m.safe);
    if (o.dryRun === true && pending.length > 0) {
      return result(EXIT_FAILED, '', `a dry run changes nothing, and the engine's tables lack what a replay writes (${pending.map((m) => `${m.table}${m.column !== undefined ? `.${m.column}` : ''}: ${m.kind}`).join('; ')}): run sc-project ddl --apply (or a run, or a replay without --dry-run) first\n`);
    }
    const log = createLogger(o.logFormat === 'json' ? 'json' : 'text');
    const parts = [tableChunks(sink, filter, stores.typeOf, chunk)];
    if (stores.kafka !== undefined) parts.push(topicChunks(stores.kafka, stores.dlqTopics ?? [], sink));
    const report = await replayLetters({
      plan, sink, letters: concatChunks(parts), filter, dryRun: o.dryRun === true, log, maxBatch: chunk, observer: metrics,
      ...(o.progress !== false ? { progressTotal: await countTableLetters(sink, filter) } : {}),
      ...(signal !== undefined ? { signal } : {}),
      ...(testHooks !== undefined ? { testHooks } : {}),
    });
    return result(report.failedAgain > 0 ? EXIT_INCOMPLETE : EXIT_OK, printable(formatReport(report, opened.format), opened.format));
  } catch (e) {
    return result(EXIT_FAILED, '', `sc-project dead-letters replay: ${e instanceof Error ? e.message : String(e)}\n`);
  } finally {
    await server?.close();
    await opened.close();
  }
}

export function formatReport(r: ReplayReport, format: 'text' | 'json'): string {
  if (format === 'json') {
    return `${JSON.stringify({ dry_run: r.dryRun, applied: r.applied, failed_again: r.failedAgain, skipped: r.skipped, by_reason: r.byReason, failures: r.failures, seconds: Number(r.seconds.toFixed(3)) }, null, 2)}\n`;
  }
  const would = r.dryRun ? 'would ' : '';
  const lines = [
    `${r.dryRun ? 'dry run, nothing changed: ' : ''}${r.applied + r.failedAgain} letter(s) replayed in ${r.seconds.toFixed(1)} s: ${r.applied} ${would}apply, ${r.failedAgain} ${would}fail again${r.failedAgain > 0 && !r.dryRun ? ' (kept, one attempt more)' : ''}${r.skipped > 0 ? `; ${r.skipped} left alone (their group or topic is not in the specs)` : ''}`,
  ];
  if (r.byReason.length > 0) {
    lines.push(`${r.dryRun ? 'would fail again' : 'failed again'}, by reason:`);
    for (const x of r.byReason.slice(0, 20)) lines.push(`  ${String(x.count).padStart(7)}  ${x.reason}`);
    lines.push('letters:');
    for (const f of r.failures.slice(0, 20)) lines.push(`  ${f.id}  ${f.reason}`);
  }
  return `${lines.join('\n')}\n`;
}
