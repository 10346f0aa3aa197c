/**
 * `sc-project dead-letters list|show|replay|purge`: thin commands over runtime/dead-letters/. The
 * table (sc_dead_letters, `--database-url`) and the `.dlq` topics (`--brokers`) are read where
 * given; the specs (`--config`) name the topics and decode the event types.
 */
import { formatDiagnostics } from '../diagnostics.js';
import { safeText } from '../redact.js';
import type { Plan } from '../compile/plan.js';
import { formatLetter, formatList, letterJson } from '../runtime/dead-letters/format.js';
import { letterGroup, type LetterFilter, type StoredLetter } from '../runtime/dead-letters/letter.js';
import { findLetter, listLetters, type LetterStores } from '../runtime/dead-letters/list.js';
import { purgeLetters } from '../runtime/dead-letters/purge.js';
import { dlqTopicsOf, letterTypes } from '../runtime/dead-letters/types.js';
import { silentLogger } from '../runtime/ops/log.js';
import { registryFromEnv, schemasDir, type RegistryProperty } from '../runtime/registry/index.js';
import { decodeLetterValue, letterValueText, registryValueFormat, type LetterValue } from '../runtime/registry/letter-value.js';
import { openSink } from '../runtime/sinks/open.js';
import { kafkaClient } from '../runtime/sources/kafka/client.js';
import { validatePaths } from '../validate/index.js';
import { existingDatabase } from './database.js';
import { EXIT_FAILED, EXIT_OK, EXIT_USAGE, result, type CommandResult } from './io.js';
import { kafkaConnection } from './kafka-config.js';

export interface LetterCommandOptions {
  config: string[];
  databaseUrl?: string;
  brokers?: string;
  kafkaConfig?: string;
  group?: string;
  projection?: string;
  topic?: string;
  type?: string;
  reason?: string;
  since?: string;
  format: string;
  limit?: string;
  /** show: registry formats' schemas from files (`--schemas DIR`) rather than the registry. */
  schemas?: string;
}

/** Parsed options, the stores opened, and how to close them; or the usage error to return. */
export interface Opened {
  plan: Plan | undefined;
  filter: LetterFilter;
  format: 'text' | 'json';
  stores: LetterStores & { databaseUrl?: string };
  /** The --kafka-config file's schema registry keys (show decodes registry formats with them). */
  registryProperties?: readonly RegistryProperty[];
  close: () => Promise<void>;
}

const DURATION = /^(\d+)([smhd])$/u;
const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `--since 2h` (ago) or a date-time (`2026-12-07T10:00:00Z`). */
export function parseSince(s: string, now = Date.now()): Date | undefined {
  const m = DURATION.exec(s);
  if (m !== null) return new Date(now - Number(m[1]) * (UNIT_MS[m[2] as string] ?? 0));
  const t = Date.parse(s);
  return Number.isNaN(t) ? undefined : new Date(t);
}

export async function openLetters(o: LetterCommandOptions, need: { plan: boolean }): Promise<Opened | CommandResult> {
  if (o.format !== 'text' && o.format !== 'json') return result(EXIT_USAGE, '', `--format must be text or json, got ${o.format}\n`);
  const since = o.since === undefined ? undefined : parseSince(o.since);
  if (o.since !== undefined && since === undefined) return result(EXIT_USAGE, '', `--since must be a duration (30m, 2h, 7d) or a date-time, got ${o.since}\n`);
  const v = validatePaths(o.config);
  if (v.plan === undefined && (need.plan || (o.brokers !== undefined && o.topic === undefined))) return result(EXIT_FAILED, '', formatDiagnostics(v.diagnostics, 'text') + '\n');
  const kafka = o.brokers !== undefined || o.kafkaConfig !== undefined ? kafkaConnection(o) : { brokers: undefined, security: undefined };
  if ('failure' in kafka) return kafka.failure;
  const db = existingDatabase(o.databaseUrl);
  if ('error' in db && kafka.brokers === undefined) return result(EXIT_USAGE, '', `${db.error}; or give --brokers to read the .dlq topics\n`);
  const filter: LetterFilter = {
    ...(o.group !== undefined ? { group: o.group } : {}), ...(o.projection !== undefined ? { projection: o.projection } : {}),
    ...(o.topic !== undefined ? { topic: o.topic } : {}), ...(o.type !== undefined ? { type: o.type } : {}),
    ...(o.reason !== undefined ? { reason: o.reason } : {}), ...(since !== undefined ? { since } : {}),
  };
  const sink = 'url' in db ? await openSink(db.url, { connections: 2 }) : undefined;
  const stores: Opened['stores'] = {
    typeOf: letterTypes(v.plan), dlqTopics: dlqTopicsOf(v.plan, o.topic),
    ...(sink !== undefined && 'url' in db ? { sink, databaseUrl: db.url } : {}),
    ...(kafka.brokers !== undefined ? { kafka: kafkaClient({ brokers: kafka.brokers, clientId: 'sc-project-dead-letters', log: silentLogger, security: kafka.security }) } : {}),
  };
  return { plan: v.plan, filter, format: o.format, stores, registryProperties: kafka.security?.registry, close: async () => { await sink?.close(); } };
}

export async function listCommand(o: LetterCommandOptions): Promise<CommandResult> {
  const limit = o.limit === undefined ? 50 : Number(o.limit);
  if (!Number.isInteger(limit) || limit < 0) return result(EXIT_USAGE, '', `--limit must be a whole number ≥ 0, got ${o.limit}\n`);
  const opened = await openLetters(o, { plan: false });
  if ('code' in opened) return opened;
  try {
    const list = await listLetters(opened.stores, opened.filter, limit);
    return result(EXIT_OK, printable(formatList(list, opened.format), opened.format));
  } catch (e) {
    return result(EXIT_FAILED, '', `sc-project dead-letters list: ${e instanceof Error ? e.message : String(e)}\n`);
  } finally {
    await opened.close();
  }
}

export async function showCommand(id: string, o: LetterCommandOptions): Promise<CommandResult> {
  const opened = await openLetters(o, { plan: false });
  if ('code' in opened) return opened;
  try {
    const letter = await findLetter(opened.stores, id);
    if (letter === undefined) return result(EXIT_FAILED, '', `no dead letter ${safeText(id)} (a table letter's id is its 64-character dlq_id; a topic letter's is <topic>.dlq:<partition>:<offset>, read with --brokers)\n`);
    const decoded = await registryValue(letter, opened, o.schemas);
    return result(EXIT_OK, printable(shown(letter, decoded, opened.format), opened.format));
  } catch (e) {
    return result(EXIT_FAILED, '', `sc-project dead-letters show: ${e instanceof Error ? e.message : String(e)}\n`);
  } finally {
    await opened.close();
  }
}

/** The value decoded with its schema when the letter's group reads a registry format. */
async function registryValue(letter: StoredLetter, opened: Opened, dir: string | undefined): Promise<LetterValue | undefined> {
  const format = registryValueFormat(opened.plan, letterGroup(letter.group));
  if (format === undefined || letter.value === null) return undefined;
  return decodeLetterValue(letter.value, format, () => (dir !== undefined ? schemasDir(dir) : registryFromEnv(silentLogger, process.env, opened.registryProperties)));
}

function shown(letter: StoredLetter, decoded: LetterValue | undefined, format: 'text' | 'json'): string {
  if (format === 'text') return formatLetter(letter, 'text') + (decoded === undefined ? '' : letterValueText(decoded));
  if (decoded === undefined) return formatLetter(letter, 'json');
  // The decoded JSON keeps exact numbers: its text goes in as written, not through a double.
  const { json, ...rest } = 'json' in decoded ? decoded : { ...decoded, json: undefined };
  const PLACE = '"__sc_decoded_value__"';
  const text = JSON.stringify({ ...letterJson(letter, true), value_decoded: { ...rest, ...(json !== undefined ? { value: '__sc_decoded_value__' } : {}) } }, null, 2);
  const at = text.lastIndexOf(PLACE);
  return `${json === undefined || at < 0 ? text : text.slice(0, at) + json + text.slice(at + PLACE.length)}
`;
}

/** `purge [filters] --yes`: without --yes, the count and exit 1 (nothing changed). */
export async function purgeCommand(o: LetterCommandOptions & { yes?: boolean }): Promise<CommandResult> {
  const opened = await openLetters(o, { plan: false });
  if ('code' in opened) return opened;
  try {
    const r = await purgeLetters(opened.stores, opened.filter, o.yes === true);
    const n = r.table + r.topic;
    const where = `${r.table} in sc_dead_letters${opened.stores.kafka !== undefined ? `, ${r.topic} in .dlq topics (marked purged: a topic cannot be changed)` : ''}`;
    if (opened.format === 'json') return result(o.yes === true ? EXIT_OK : EXIT_FAILED, `${JSON.stringify({ purged: r.purged, table: r.table, topic: r.topic })}\n`, o.yes === true ? '' : 'nothing purged: give --yes\n');
    if (o.yes === true) return result(EXIT_OK, `purged ${n} dead letter(s): ${where}\n`);
    return result(EXIT_FAILED, `${n} dead letter(s) would be purged: ${where}\n`, 'nothing purged: give --yes to purge them\n');
  } catch (e) {
    return result(EXIT_FAILED, '', `sc-project dead-letters purge: ${e instanceof Error ? e.message : String(e)}\n`);
  } finally {
    await opened.close();
  }
}

/** Letters echo their input: in text, control characters are escaped (JSON escapes its own). */
export function printable(text: string, format: 'text' | 'json'): string {
  return format === 'json' ? text : text.split('\n').map(safeText).join('\n');
}
