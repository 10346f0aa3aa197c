/** `sc-project rebuild` and `sc-project cleanup`: thin commands over runtime/rebuild/rebuild.ts. */
import { createLogger } from '../runtime/ops/log.js';
import { adviceOf, cleanupRebuilds, rebuild, RebuildError, type RebuildReport } from '../runtime/rebuild/rebuild.js';
import { advice, type AdviceContext } from '../runtime/ops/advice.js';
import { NO_TEST_HOOKS, type TestHooks } from '../runtime/test-hooks.js';
import { EXIT_FAILED, EXIT_OK, EXIT_USAGE, result, type CommandResult } from './io.js';
import { parseMaxLineBytes } from './run.js';
import { EMBEDDED_DATABASE_URL, existingDatabase } from './database.js';
import { kafkaConnection } from './kafka-config.js';

export interface RebuildCommandOptions {
  config: string[];
  databaseUrl?: string;
  brokers?: string;
  kafkaConfig?: string;
  from?: string[];
  maxLineBytes?: string;
  allowPartial?: boolean;
  dropOld?: boolean;
  progress: boolean;
  logFormat: string;
  clientId: string;
  concurrency: string;
  sessionTimeout: string;
  /** A directory of `<id>.avsc` files: registry formats read their schemas there, not from a registry. */
  schemas?: string;
}

/** `hooks`: test-only crash points, which main() reads from the environment. */
export async function rebuildCommand(projections: string[], o: RebuildCommandOptions, hooks: TestHooks = NO_TEST_HOOKS): Promise<CommandResult> {
  if (projections.length === 0) return result(EXIT_USAGE, '', 'name the projections to rebuild: sc-project rebuild <projection…>\n');
  if (o.logFormat !== 'text' && o.logFormat !== 'json') return result(EXIT_USAGE, '', `--log-format must be text or json, got ${o.logFormat}\n`);
  const concurrency = Number(o.concurrency);
  if (!Number.isInteger(concurrency) || concurrency < 1) return result(EXIT_USAGE, '', `--concurrency must be a whole number ≥ 1, got ${o.concurrency}\n`);
  const sessionTimeoutMs = Number(o.sessionTimeout) * 1000;
  if (!Number.isFinite(sessionTimeoutMs) || sessionTimeoutMs < 1000) return result(EXIT_USAGE, '', `--session-timeout must be a number of seconds ≥ 1, got ${o.sessionTimeout}\n`);
  const maxLineBytes = parseMaxLineBytes(o.maxLineBytes);
  if (maxLineBytes === undefined) return result(EXIT_USAGE, '', `--max-line-bytes must be a whole number of bytes ≥ 1024, got ${o.maxLineBytes}\n`);
  const databaseUrl = o.databaseUrl ?? (o.from !== undefined ? EMBEDDED_DATABASE_URL : undefined);
  if (databaseUrl === undefined) return result(EXIT_USAGE, '', 'no database: give --database-url or DATABASE_URL\n');
  const kafka = o.from === undefined ? kafkaConnection(o) : undefined;
  if (kafka !== undefined && 'failure' in kafka) return kafka.failure;
  const controller = new AbortController();
  let signals = 0;
  const onSignal = () => {
    signals++;
    if (signals > 1) process.exit(130);
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const report = await rebuild({
      config: o.config, projections, databaseUrl, from: o.from, maxLineBytes, brokers: kafka?.brokers, kafkaSecurity: kafka?.security, ...(o.schemas !== undefined ? { schemasDir: o.schemas } : {}),
      allowPartial: o.allowPartial, dropOld: o.dropOld, progress: o.progress, logger: createLogger(o.logFormat), clientId: o.clientId,
      concurrency, sessionTimeoutMs, signal: controller.signal, testHooks: hooks,
    });
    return result(EXIT_OK, formatReport(report, adviceOf({ from: o.from, config: o.config, databaseUrl })));
  } catch (e) {
    if (e instanceof RebuildError) return result(EXIT_FAILED, '', `sc-project rebuild: ${e.message}\n`);
    return result(EXIT_FAILED, '', `sc-project rebuild ${projections.join(' ')}: ${e instanceof Error ? e.message : String(e)} (what was built is kept; run the same command again to resume)\n`);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

function formatReport(r: RebuildReport, ctx: AdviceContext): string {
  const lines = [
    `rebuilt ${r.projections.join(', ')}${r.resumed ? ' (resumed)' : ''}: ${r.events} messages, ${r.applied} applied, ${r.deadLettered} dead-lettered, ${r.eventsPerS} messages/s over ${(r.buildMs / 1000).toFixed(1)} s`,
    `swap: ${r.swapMs} ms with the live group paused (${r.swapAttempts} attempt(s)), ${r.movedPositions} live position(s) handed over`,
    ...r.tables.map((t) => `  ${t.live}: new table in place; the previous one is ${r.droppedOld.includes(t.old) ? 'dropped' : `kept as ${t.old}`}`),
  ];
  if (r.droppedOld.length === 0 && r.tables.length > 0) lines.push(`drop the kept tables with: ${advice(ctx, 'cleanup', ...r.projections)}`);
  return lines.join('\n') + '\n';
}

export interface CleanupCommandOptions {
  databaseUrl?: string;
  logFormat: string;
}

export async function cleanupCommand(projections: string[], o: CleanupCommandOptions): Promise<CommandResult> {
  if (o.logFormat !== 'text' && o.logFormat !== 'json') return result(EXIT_USAGE, '', `--log-format must be text or json, got ${o.logFormat}\n`);
  const db = existingDatabase(o.databaseUrl);
  if ('error' in db) return result(EXIT_FAILED, '', `${db.error}\n`);
  try {
    const r = await cleanupRebuilds({ databaseUrl: db.url, projections: projections.length > 0 ? projections : undefined, logger: createLogger(o.logFormat) });
    const lines = [r.dropped.length > 0 ? `dropped ${r.dropped.join(', ')}` : 'nothing to drop'];
    if (r.underWay.length > 0) lines.push(`rebuild under way (kept; name it to abandon it): ${r.underWay.join(', ')}`);
    return result(EXIT_OK, lines.join('\n') + '\n');
  } catch (e) {
    return result(EXIT_FAILED, '', `sc-project cleanup: ${e instanceof Error ? e.message : String(e)}\n`);
  }
}
