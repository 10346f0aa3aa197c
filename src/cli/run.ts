/**
 * `sc-project run`: consume Kafka (or an NDJSON file) and apply every projection until stopped
 * (or until the file is drained). SIGINT/SIGTERM stop gracefully; a second signal exits at once,
 * which is still safe: the database holds the truth and the next run resumes from it.
 */
import { parseListen } from '../runtime/ops/http-server.js';
import { ConfigError, createRuntime, type RunSummary } from '../runtime/runtime.js';
import { DEFAULT_MAX_LINE_BYTES } from '../runtime/sources/ndjson/line-limit.js';
import { describeCounts, noopBreakdown } from '../runtime/ops/stats.js';
import { NO_TEST_HOOKS, type TestHooks } from '../runtime/test-hooks.js';
import { EMBEDDED_DATABASE_URL } from './database.js';
import { kafkaConnection } from './kafka-config.js';
import { EXIT_FAILED, EXIT_INCOMPLETE, EXIT_OK, EXIT_USAGE, result, type CommandResult } from './io.js';

export interface RunOptions {
  config: string[];
  databaseUrl?: string;
  brokers?: string;
  kafkaConfig?: string;
  from?: string[];
  source?: string;
  maxLineBytes?: string;
  logFormat: string;
  statsInterval: string;
  maxBatch?: string;
  processedRetention: string;
  createTopics?: boolean;
  clientId: string;
  sessionTimeout: string;
  concurrency: string;
  progress: boolean;
  http?: string;
  notReadyAfter: string;
  startFrom: string;
  acceptHistoryGap?: boolean;
  migrate?: boolean;
  acceptSpec?: boolean;
  /** `run --from`: exit 0 even when not everything was applied (EXIT_INCOMPLETE otherwise). */
  exitZero?: boolean;
  /** A directory of `<id>.avsc` files: registry formats read their schemas there, not from a registry. */
  schemas?: string;
}

export { EMBEDDED_DATABASE_URL };

/** `hooks`: test-only crash points, which main() reads from the environment. */
export async function runCommand(o: RunOptions, hooks: TestHooks = NO_TEST_HOOKS): Promise<CommandResult> {
  if (o.logFormat !== 'text' && o.logFormat !== 'json') return result(EXIT_USAGE, '', `--log-format must be text or json, got ${o.logFormat}\n`);
  const retentionMs = parseDuration(o.processedRetention);
  if (retentionMs === undefined) return result(EXIT_USAGE, '', `--processed-retention must look like 7d, 12h, 30m or 0, got ${o.processedRetention}\n`);
  const maxBatch = o.maxBatch === undefined ? undefined : Number(o.maxBatch);
  if (maxBatch !== undefined && (!Number.isInteger(maxBatch) || maxBatch < 1)) return result(EXIT_USAGE, '', '--max-batch must be a whole number ≥ 1\n');
  const sessionTimeoutMs = Number(o.sessionTimeout) * 1000;
  if (!Number.isFinite(sessionTimeoutMs) || sessionTimeoutMs < 1000) return result(EXIT_USAGE, '', `--session-timeout must be a number of seconds ≥ 1, got ${o.sessionTimeout}\n`);
  const concurrency = Number(o.concurrency);
  if (!Number.isInteger(concurrency) || concurrency < 1) return result(EXIT_USAGE, '', `--concurrency must be a whole number ≥ 1, got ${o.concurrency}\n`);
  const http = o.http === undefined || o.http === '' ? undefined : parseListen(o.http);
  if (o.http !== undefined && o.http !== '' && http === undefined) return result(EXIT_USAGE, '', `--http must look like 127.0.0.1:9464, :9464 or 9464, got ${o.http}\n`);
  const outageThresholdMs = Number(o.notReadyAfter) * 1000;
  if (!Number.isFinite(outageThresholdMs) || outageThresholdMs < 0) return result(EXIT_USAGE, '', `--not-ready-after must be a number of seconds, got ${o.notReadyAfter}\n`);
  if (o.startFrom !== 'earliest' && o.startFrom !== 'latest') return result(EXIT_USAGE, '', `--start-from must be earliest or latest, got ${o.startFrom}\n`);
  const maxLineBytes = parseMaxLineBytes(o.maxLineBytes);
  if (maxLineBytes === undefined) return result(EXIT_USAGE, '', `--max-line-bytes must be a whole number of bytes ≥ 1024, got ${o.maxLineBytes}\n`);
  if (o.source !== undefined && o.from === undefined) return result(EXIT_USAGE, '', '--source names the input of a file run: give --from too\n');
  const databaseUrl = o.databaseUrl ?? (o.from !== undefined ? EMBEDDED_DATABASE_URL : undefined);
  if (databaseUrl === undefined) return result(EXIT_USAGE, '', 'no database: give --database-url or DATABASE_URL\n');
  // A file run talks to no broker: its Kafka settings are not read (nor refused).
  const kafka = o.from === undefined ? kafkaConnection(o) : undefined;
  if (kafka !== undefined && 'failure' in kafka) return kafka.failure;
  try {
    const rt = await createRuntime({
      config: o.config, databaseUrl, from: o.from, source: o.source, maxLineBytes, brokers: kafka?.brokers, kafkaSecurity: kafka?.security,
      logFormat: o.logFormat, statsInterval: Number(o.statsInterval), maxBatch, retentionMs, createTopics: o.createTopics, clientId: o.clientId, sessionTimeoutMs, concurrency,
      progress: o.from !== undefined && o.progress, http, outageThresholdMs,
      startFrom: o.startFrom, acceptHistoryGap: o.acceptHistoryGap, migrate: o.migrate, acceptSpec: o.acceptSpec, testHooks: hooks,
      ...(o.schemas !== undefined ? { schemasDir: o.schemas } : {}),
    });
    let signals = 0;
    const onSignal = () => {
      signals++;
      if (signals > 1) process.exit(130);
      // A kafkajs client abandoned by the stop (an admin retrying an unreachable broker) may
      // keep timers alive: once the graceful stop has ended and the summary is printed, exit
      // with the code `main` set rather than wait for them. Unref'd: a clean exit comes first.
      void rt.stop().finally(() => setTimeout(() => process.exit(), 500).unref());
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    await rt.start();
    const summary = await rt.done;
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    // A file run is a job that ends by itself: its status says whether everything was applied.
    // A Kafka run ends when it is stopped, which is not a failure of the service.
    const shortfall = shortfallOf(summary);
    const code = o.from === undefined || shortfall.length === 0 || o.exitZero === true ? EXIT_OK : EXIT_INCOMPLETE;
    return result(code, formatSummary(summary) + outcomeLine(shortfall, o.from === undefined ? undefined : { code, exitZero: o.exitZero === true }));
  } catch (e) {
    if (e instanceof ConfigError) return result(EXIT_FAILED, '', e.message + '\n');
    return result(EXIT_FAILED, '', `sc-project run: ${e instanceof Error ? e.message : String(e)}\n`);
  }
}

export function formatSummary(s: RunSummary): string {
  const lines: string[] = [];
  for (const [group, g] of Object.entries(s.groups)) {
    const skipped = g.skippedUnhandled > 0 ? `unhandled type: ${describeCounts(g.skippedTypes)}` : 'unhandled type';
    const noops = `${g.noop - g.noopStale} no row matched, ${g.noopStale} stale version${g.noop > 0 ? `: ${describeCounts(noopBreakdown(g), 5, '')}` : ''}`;
    lines.push(`${group}: ${g.events} messages, ${g.applied} applied, ${g.duplicates} duplicates, ${g.alreadyApplied} already applied, ${g.skippedUnhandled} skipped (${skipped}), ${g.missed} missed (on_missing: skip), ${g.deadLettered} dead-lettered, ${g.noop} no-op row change(s) (${noops})`);
  }
  for (const [name, o] of Object.entries(s.outputs ?? {})) {
    const buffered = Object.entries(o.buffered).map(([l, n]) => `${l} ${n}`).join(', ');
    lines.push(`output ${name}: ${o.batchesSent} batches (${o.recordsSent} records) delivered, ${o.batchesRejected} rejected (${o.deadLettered} messages dead-lettered), ${o.pendingBatches} pending, buffered: ${buffered}, ${o.contentDuplicates} content duplicates, ${o.retries} retries, last status ${o.lastStatus ?? '-'}`);
  }
  if (s.rows !== undefined) {
    lines.push('rows per table:');
    for (const [table, n] of Object.entries(s.rows)) lines.push(`  ${table.padEnd(34)} ${n}`);
  }
  return lines.join('\n') + '\n';
}

/** `--max-line-bytes`: absent is the default; below 1 KiB would refuse ordinary events. */
export function parseMaxLineBytes(text: string | undefined): number | undefined {
  if (text === undefined) return DEFAULT_MAX_LINE_BYTES;
  const n = Number(text);
  return Number.isSafeInteger(n) && n >= 1024 ? n : undefined;
}

/** What a run did not apply: `n what` parts, empty when everything was. */
export function shortfallOf(s: RunSummary): string[] {
  const groups = Object.values(s.groups);
  const outputs = Object.values(s.outputs ?? {});
  const dead = groups.reduce((n, g) => n + g.deadLettered, 0) + outputs.reduce((n, o) => n + o.deadLettered, 0);
  const missed = groups.reduce((n, g) => n + g.missed, 0);
  const batches = outputs.reduce((n, o) => n + o.pendingBatches, 0);
  const records = outputs.reduce((n, o) => n + Object.values(o.buffered).reduce((a, b) => a + b, 0), 0);
  const parts: string[] = [];
  if (dead > 0) parts.push(`${dead} dead-lettered`);
  if (missed > 0) parts.push(`${missed} missed`);
  if (batches > 0) parts.push(`${batches} HTTP batch(es) undelivered`);
  if (records > 0) parts.push(`${records} HTTP record(s) not yet in a batch`);
  return parts;
}

/** The summary's last line; `file`: the exit status of a file run and why. */
function outcomeLine(shortfall: string[], file: { code: number; exitZero: boolean } | undefined): string {
  const what = shortfall.length === 0 ? 'every message applied' : `not everything was applied: ${shortfall.join(', ')}`;
  if (file === undefined) return `outcome: ${what}\n`;
  if (shortfall.length === 0) return `outcome: ${what} (exit ${file.code})\n`;
  return `outcome: ${what} (${file.exitZero ? `exit ${file.code}: --exit-zero` : `exit ${file.code}; --exit-zero exits 0`})\n`;
}

/** "7d", "12h", "30m", "45s", "0" → milliseconds. */
export function parseDuration(text: string): number | undefined {
  const m = /^(\d+)([dhms]?)$/.exec(text.trim());
  if (m === null) return undefined;
  const unit = { d: 86_400_000, h: 3_600_000, m: 60_000, s: 1000, '': 1000 }[m[2] as 'd' | 'h' | 'm' | 's' | ''];
  return Number(m[1]) * unit;
}
