/** `sc-project status`: where every group stands (positions, offsets, lag, dead letters); exit 1 over --max-lag. */
import { formatDiagnostics } from '../diagnostics.js';
import { collectStatus, formatStatus } from '../runtime/ops/status.js';
import { validatePaths } from '../validate/index.js';
import { existingDatabase } from './database.js';
import { kafkaConnection } from './kafka-config.js';
import { EXIT_FAILED, EXIT_OK, EXIT_USAGE, result, type CommandResult } from './io.js';

export interface StatusCommandOptions {
  config: string[];
  databaseUrl?: string;
  brokers?: string;
  kafkaConfig?: string;
  format: string;
  maxLag?: string;
}

export async function statusCommand(o: StatusCommandOptions): Promise<CommandResult> {
  if (o.format !== 'text' && o.format !== 'json') return result(EXIT_USAGE, '', `--format must be text or json, got ${o.format}\n`);
  const maxLag = o.maxLag === undefined ? undefined : Number(o.maxLag);
  if (maxLag !== undefined && (!Number.isInteger(maxLag) || maxLag < 0)) return result(EXIT_USAGE, '', `--max-lag must be a whole number ≥ 0, got ${o.maxLag}\n`);
  const db = existingDatabase(o.databaseUrl);
  if ('error' in db) return result(EXIT_FAILED, '', `${db.error}\n`);
  // Without brokers nor a properties file, status reads the database only: KAFKA_* variables
  // meant for a run elsewhere are not read (nor refused).
  const kafka = o.brokers !== undefined || o.kafkaConfig !== undefined ? kafkaConnection(o) : { brokers: undefined, security: undefined };
  if ('failure' in kafka) return kafka.failure;
  const v = validatePaths(o.config);
  if (v.plan === undefined) return result(EXIT_FAILED, '', formatDiagnostics(v.diagnostics, 'text') + '\n');
  try {
    const report = await collectStatus({ plan: v.plan, databaseUrl: db.url, brokers: kafka.brokers, kafkaSecurity: kafka.security, maxLag });
    return result(report.overMaxLag.length > 0 ? EXIT_FAILED : EXIT_OK, formatStatus(report, o.format, { config: o.config, databaseUrl: db.url }));
  } catch (e) {
    return result(EXIT_FAILED, '', `sc-project status: ${e instanceof Error ? e.message : String(e)}\n`);
  }
}
