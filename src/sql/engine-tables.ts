/**
 * The engine's own tables. They live next to the read models, in the same database, so the
 * rows, the consumed offsets and the processed event ids commit in one transaction.
 * The `sc_` prefix keeps them apart from spec tables, so validation can reserve it.
 *
 * Key sizes stay well under InnoDB's 3072-byte index limit with utf8mb4 (4 bytes a char):
 * sc_processed_events (128+128)·4 = 1024 B, sc_consumer_positions (128+249)·4 + 4 = 1512 B.
 */
import type { ColumnDef, TableDef } from '../compile/plan.js';

/** A consumer group id; Kafka sets no limit, 128 characters is ample for generated names. */
const GROUP: ColumnDef = { name: 'consumer_group', type: 'string', length: 128, nullable: false };
/** Kafka caps topic names at 249 characters (kafka/common/internals/Topic.java). */
const TOPIC: ColumnDef = { name: 'topic', type: 'string', length: 249, nullable: false };

/** Characters of an event id; longer ids are dead-lettered. */
export const EVENT_ID_LENGTH = 128;

/** One row per applied event: redelivered events are recognised and skipped. */
const processedEvents: TableDef = {
  name: 'sc_processed_events',
  columns: [
    GROUP,
    { name: 'event_id', type: 'string', length: EVENT_ID_LENGTH, nullable: false },
    { name: 'entity_id', type: 'string', length: 255, nullable: true },
    { name: 'entity_version', type: 'bigint', nullable: true },
    { name: 'event_type', type: 'string', length: 128, nullable: false },
    { name: 'processed_at', type: 'datetime', nullable: false },
  ],
  key: ['consumer_group', 'event_id'],
  unique: [],
  // Pruning deletes by age, so it must not scan the whole table.
  indexes: [['processed_at']],
  log: false,
};

/** The next offset to read per partition, written in the same transaction as the rows. */
const consumerPositions: TableDef = {
  name: 'sc_consumer_positions',
  columns: [
    GROUP,
    TOPIC,
    { name: 'partition', type: 'int', nullable: false },
    { name: 'next_offset', type: 'bigint', nullable: false },
    { name: 'updated_at', type: 'datetime', nullable: false },
  ],
  key: ['consumer_group', 'topic', 'partition'],
  unique: [],
  indexes: [],
  log: false,
};

/**
 * Messages that could not be applied, when no dead-letter topic is configured. The raw key
 * and value are kept as base64 so any bytes survive; a Kafka value may be null (tombstone).
 * `dlq_id` is a hash of group:topic:partition:offset:projection, so a redelivered poison message
 * lands on the same row instead of a duplicate. `attempts` counts the tries (1: the run that
 * dead-lettered it; `dead-letters replay` adds one each time it fails again); it has a default,
 * so the writers leave it out and a database made before it keeps working until a migration
 * adds it. The source index is the sequence `replay` reads letters in (runtime/dead-letters/).
 * `headers` keeps the record's own headers as JSON text (outputs/dead-letters/headers-json.ts), so a
 * replay gives a spec's `$headers.<name>` back; nullable, so adding it is an additive change that
 * `run` makes on a database of the older shape, and a letter without headers is written without
 * the column (such a database keeps taking those before it is migrated).
 */
const deadLetters: TableDef = {
  name: 'sc_dead_letters',
  columns: [
    { name: 'dlq_id', type: 'string', length: 64, nullable: false },
    TOPIC,
    { name: 'partition', type: 'int', nullable: false },
    { name: 'offset', type: 'bigint', nullable: false },
    GROUP,
    { name: 'projection', type: 'string', length: 128, nullable: true },
    { name: 'reason', type: 'text', nullable: false },
    { name: 'key_bytes', type: 'text', nullable: true },
    { name: 'value_bytes', type: 'text', nullable: true },
    { name: 'created_at', type: 'datetime', nullable: false },
    { name: 'attempts', type: 'int', nullable: false, default: 1 },
    { name: 'headers', type: 'text', nullable: true },
  ],
  key: ['dlq_id'],
  unique: [],
  indexes: [['created_at'], ['consumer_group', 'topic', 'partition', 'offset']],
  log: false,
};

/**
 * Replays of letters kept in `<topic>.dlq` topics, which cannot be changed: one row per letter
 * source (group, topic, partition, offset), written in the transaction that applied it
 * (`outcome` applied: never replayed again) or found it failing again (`failed`, with the new
 * reason and the attempts so far). Key: (128+249)·4 + 4 + 8 = 1520 B.
 */
const replayedLetters: TableDef = {
  name: 'sc_replayed_letters',
  columns: [
    GROUP,
    TOPIC,
    { name: 'partition', type: 'int', nullable: false },
    { name: 'offset', type: 'bigint', nullable: false },
    { name: 'outcome', type: 'string', length: 16, nullable: false },
    { name: 'attempts', type: 'int', nullable: false, default: 1 },
    { name: 'reason', type: 'text', nullable: true },
    { name: 'replayed_at', type: 'datetime', nullable: false },
  ],
  key: ['consumer_group', 'topic', 'partition', 'offset'],
  unique: [],
  indexes: [],
  log: false,
};

/**
 * Per projection, the fingerprint of the spec that built its tables and that spec's shape (JSON),
 * so `run` and `status` can say what changed since (compile/fingerprint.ts).
 */
const specFingerprints: TableDef = {
  name: 'sc_spec_fingerprints',
  columns: [
    { name: 'projection', type: 'string', length: 128, nullable: false },
    { name: 'fingerprint', type: 'string', length: 64, nullable: false },
    { name: 'shape', type: 'text', nullable: false },
    { name: 'updated_at', type: 'datetime', nullable: false },
  ],
  key: ['projection'],
  unique: [],
  indexes: [],
  log: false,
};

/**
 * Which input the stored positions of a file run belong to (runtime/sources/ndjson/record.ts): a file's
 * offsets are line numbers, so a position means nothing without the lines it counted. One row per
 * positions group (the consumer group, or `group@name` for a named source), written in the
 * transaction that moves those positions: the fingerprint (line count, byte length, SHA-256) of the
 * stream's first `lines` lines, which covers every stored position. A Kafka engine writes none.
 */
const sources: TableDef = {
  name: 'sc_sources',
  columns: [
    GROUP,
    { name: 'kind', type: 'string', length: 16, nullable: false },
    { name: 'lines', type: 'bigint', nullable: false },
    { name: 'bytes', type: 'bigint', nullable: false },
    { name: 'sha256', type: 'string', length: 64, nullable: false },
    { name: 'updated_at', type: 'datetime', nullable: false },
  ],
  key: ['consumer_group'],
  unique: [],
  indexes: [],
  log: false,
};

/** The engine's tables, sorted by name like `Plan.tables`. */
export const ENGINE_TABLES: TableDef[] = [consumerPositions, deadLetters, processedEvents, replayedLetters, sources, specFingerprints];

/** Table-name prefix reserved for the engine. */
export const ENGINE_TABLE_PREFIX = 'sc_';

/** An output's name (an identifier of the spec). */
const OUTPUT: ColumnDef = { name: 'output', type: 'string', length: 64, nullable: false };

/**
 * HTTP outputs' outbox: the records that `append` operations produced, written in the batch's
 * transaction with the processed ids and positions (so Kafka offsets may commit as soon as it
 * commits), until a flush moves them into a batch. Keyed by source coordinates and the record's
 * number within its message, which is also the sequence a batch takes them in (per partition, as
 * consumed). Key: (64+249)·4 + 4 + 8 + 4 = 1268 B.
 */
const httpRecords: TableDef = {
  name: 'sc_http_records',
  columns: [
    OUTPUT,
    TOPIC,
    { name: 'partition', type: 'int', nullable: false },
    { name: 'offset', type: 'bigint', nullable: false },
    { name: 'seq', type: 'int', nullable: false },
    { name: 'list', type: 'string', length: 64, nullable: false },
    { name: 'record', type: 'text', nullable: false },
    { name: 'bytes', type: 'int', nullable: false },
  ],
  key: ['output', 'topic', 'partition', 'offset', 'seq'],
  unique: [],
  indexes: [],
  log: false,
};

/** The source messages of buffered records (key and value as base64): a rejected batch's messages go to the dead-letter sink with their bytes. */
const httpMessages: TableDef = {
  name: 'sc_http_messages',
  columns: [
    OUTPUT,
    TOPIC,
    { name: 'partition', type: 'int', nullable: false },
    { name: 'offset', type: 'bigint', nullable: false },
    GROUP,
    { name: 'key_bytes', type: 'text', nullable: true },
    { name: 'value_bytes', type: 'text', nullable: true },
  ],
  key: ['output', 'topic', 'partition', 'offset'],
  unique: [],
  indexes: [],
  log: false,
};

/**
 * Cut batches: the id and the exact body bytes are chosen once, in the transaction that takes
 * the records out of the outbox, so every resend (after retries, after a crash) is byte-identical.
 * `status` is pending until the endpoint answers 2xx (delivered) or rejects it (rejected).
 */
const httpBatches: TableDef = {
  name: 'sc_http_batches',
  columns: [
    OUTPUT,
    { name: 'batch_id', type: 'string', length: 64, nullable: false },
    { name: 'status', type: 'string', length: 16, nullable: false },
    { name: 'body', type: 'text', nullable: false },
    { name: 'records', type: 'int', nullable: false },
    { name: 'sources', type: 'text', nullable: false },
    { name: 'attempts', type: 'int', nullable: false, default: 0 },
    { name: 'last_status', type: 'int', nullable: true },
    { name: 'created_at', type: 'datetime', nullable: false },
    { name: 'done_at', type: 'datetime', nullable: true },
  ],
  key: ['output', 'batch_id'],
  unique: [],
  indexes: [['output', 'status', 'created_at']],
  log: false,
};

/** Content hashes (SHA-256 of canonical JSON) of appended messages, until they expire. */
const httpContentHashes: TableDef = {
  name: 'sc_http_content_hashes',
  columns: [
    OUTPUT,
    { name: 'hash', type: 'string', length: 64, nullable: false },
    { name: 'expires_at', type: 'datetime', nullable: false },
  ],
  key: ['output', 'hash'],
  unique: [],
  indexes: [['expires_at']],
  log: false,
};

/** The tables of HTTP outputs, created only for plans that have outputs. */
export const HTTP_OUTPUT_TABLES: TableDef[] = [httpBatches, httpContentHashes, httpMessages, httpRecords];

/** The engine tables a plan needs. */
export function engineTablesFor(plan: { outputs?: unknown[] }): TableDef[] {
  return (plan.outputs?.length ?? 0) > 0 ? [...ENGINE_TABLES, ...HTTP_OUTPUT_TABLES] : ENGINE_TABLES;
}

/**
 * Blue-green rebuilds under way or done (runtime/rebuild/rebuild.ts), one row per projection:
 * a second `rebuild` resumes from it after any crash, `status` shows it and `cleanup` knows which
 * tables to drop. `tables` is the JSON of the renames ({live, next, old} per table); `tag` names
 * the shadow tables' indexes. Created by the rebuild commands, not by `run`.
 */
export const REBUILDS_TABLE: TableDef = {
  name: 'sc_rebuilds',
  columns: [
    { name: 'projection', type: 'string', length: 128, nullable: false },
    { ...GROUP, name: 'live_group' },
    { ...GROUP, name: 'shadow_group' },
    { name: 'state', type: 'string', length: 16, nullable: false },
    { name: 'fingerprint', type: 'string', length: 64, nullable: false },
    { name: 'tag', type: 'string', length: 16, nullable: false },
    { name: 'tables', type: 'text', nullable: false },
    { name: 'started_at', type: 'datetime', nullable: false },
    { name: 'updated_at', type: 'datetime', nullable: false },
  ],
  key: ['projection'],
  unique: [],
  indexes: [],
  log: false,
};
