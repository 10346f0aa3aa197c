/**
 * The compiled, dialect-free plan: plain data that `ddl`, `run` and `test` all read.
 * It holds no closures, so it can be printed and golden-tested; `compile/evaluate.ts`
 * turns its value expressions into functions once, at start-up.
 */
import type { ColumnType, KeyFormatName, Scalar, ValueFormatName } from '../spec/types.js';

/** Where a path is read from: the event (the whole message value) or the current loop item. */
export type PathRoot = 'event' | 'item';

export type ValueExpr =
  | { kind: 'literal'; value: unknown }
  | { kind: 'path'; root: PathRoot; path: string; default?: Scalar }
  | { kind: 'index' }
  | { kind: 'count'; root: PathRoot; path: string }
  | { kind: 'json'; value: ValueExpr }
  | { kind: 'equals'; left: ValueExpr; right: ValueExpr }
  | { kind: 'coalesce'; values: ValueExpr[] }
  | { kind: 'map'; root: PathRoot; path: string; to: Record<string, ValueExpr> }
  | { kind: 'object'; fields: Record<string, ValueExpr> }
  | { kind: 'meta'; name: MetaName }
  /** `$key` (path `$`) or `$key.<path>`: the message key as its projection's key format decodes it. */
  | { kind: 'key'; path: string }
  /** `$headers.<name>`: the header's value as text (base64 when not UTF-8); the last of repeats. */
  | { kind: 'header'; name: string };

/**
 * What a value can read besides the event: the message's source coordinates and Kafka key and
 * timestamp (`$source.…`), the type field's value as text (`$type`) and the time the batch is
 * applied (`$now`). A default route logs messages with them.
 */
export const META_NAMES = ['source.topic', 'source.partition', 'source.offset', 'source.key', 'source.timestamp', 'type', 'now'] as const;
export type MetaName = (typeof META_NAMES)[number];

/**
 * One column assignment. `set` writes the value; `keep_if_missing` writes it only when the
 * source field is present; `add` adds it to the stored number; `replace_in` replaces an
 * element inside a stored JSON document, located by `at`.
 */
export type Assignment =
  | { mode: 'set'; column: string; value: ValueExpr }
  | { mode: 'keep_if_missing'; column: string; value: ValueExpr }
  | { mode: 'add'; column: string; value: ValueExpr }
  | { mode: 'replace_in'; column: string; at: ValueExpr[]; value: ValueExpr };

export interface ColumnDef {
  name: string;
  type: ColumnType;
  /** string: characters. */
  length?: number;
  /** decimal. */
  precision?: number;
  scale?: number;
  nullable: boolean;
  default?: Scalar;
  /** Added by the engine (log columns, version column), not declared in the spec. */
  implicit?: boolean;
}

export interface TableDef {
  name: string;
  columns: ColumnDef[];
  key: string[];
  unique: string[][];
  indexes: string[][];
  /** The version column of a guarded read model. */
  version?: string;
  log: boolean;
  /**
   * What its index names are derived from, when not its name: a rebuild's shadow table (SQLite's
   * index names are per database, and the swapped-in table keeps the names it was built with).
   */
  indexBase?: string;
}

/** Where the envelope fields are read (JSONPath into the message value). */
export interface EnvelopePaths {
  type: string;
  id: string;
  entity: string;
  version: string;
  time: string;
  data: string;
}

export interface InsertOp {
  kind: 'insert';
  table: string;
  /** One row per element of this array, with the element as `$item`. */
  forEach?: { root: PathRoot; path: string };
  values: Assignment[];
  onConflict: { action: 'ignore' } | { action: 'update'; columns: string[] };
  /** The version column when the upsert is guarded. */
  guard?: string;
  /** What the guard compares and stores, when not the envelope's version (see `GuardedVersion`). */
  version?: GuardedVersion;
  /** Written by a `log` operation. */
  log?: boolean;
}

export interface UpdateOp {
  kind: 'update';
  table: string;
  where: Assignment[];
  set: Assignment[];
  guard?: string;
  version?: GuardedVersion;
}

export interface IncrementOp {
  kind: 'increment';
  table: string;
  where: Assignment[];
  /** `add` assignments; a decrement's amounts are negated at run time by `sign`. */
  add: Assignment[];
  sign: 1 | -1;
  set: Assignment[];
  createMissing: boolean;
}

export interface DeleteOp {
  kind: 'delete';
  table: string;
  where: Assignment[];
  guard?: string;
  version?: GuardedVersion;
}

/**
 * An operation-level `version: <path>`: the version of the row the operation writes when that row
 * is not the event's own entity (an event of entity B that changes A's row carries A's version).
 * The guard compares and stores it instead of the envelope's version. Absent: the envelope's.
 */
export interface GuardedVersion {
  root: PathRoot;
  path: string;
}

/**
 * Set when the spec says `on_missing: skip` (on the operation or as the projection's default): an
 * operation whose row cannot be identified or whose required value is missing is left out and
 * counted as missed. Absent, such an event is dead-lettered.
 */
export interface MissingRule {
  onMissing?: 'skip';
}

export type Operation = (InsertOp | UpdateOp | IncrementOp | DeleteOp) & MissingRule;
export type OperationKind = Operation['kind'];

/** An `append` operation: records for a list of an HTTP output, written to the outbox in the batch's transaction. */
export interface AppendOp {
  output: string;
  list: string;
  /** One record per element of this array (`$item`, `$index`); a message where it is not an array is dead-lettered. */
  forEach?: { root: PathRoot; path: string };
  value: ValueExpr;
}

/**
 * An HTTP output (a sink beside the SQL tables): batches of buffered records, cut by the flush
 * policy, sent with retries. Plain data like the rest of the plan; environment references are
 * resolved by validation, except header values, which stay as written (`${TOKEN}`) so a secret
 * never appears in a printed plan: the runtime resolves them at start.
 */
export interface HttpOutputDef {
  kind: 'http';
  name: string;
  projection: string;
  group: string;
  url: string;
  method: 'POST' | 'PUT' | 'PATCH';
  headers: Record<string, string>;
  timeoutMs: number;
  lists: string[];
  flush: { intervalMs: number; maxRecords: number; maxBytes: number };
  /** Evaluated against the batch document `{ id, time, lists, records }`. */
  body: ValueExpr;
  /** Statuses as text: '429', or a class '5xx'. */
  retry: { retries: number; baseMs: number; multiplier: number; maxDelayMs: number; statuses: string[] };
  dedupe?: { content: ValueExpr; ttlMs: number };
  /** Records waiting (buffered or in an undelivered batch) at which consumption pauses. */
  maxBuffered: number;
  source: SourceRef;
}

/**
 * An output of the plan, discriminated on `kind` (only 'http' today; the spec's syntax names no
 * kind: compile sets it from the block the output is written in). runtime/outputs/registry.ts maps
 * each kind to how a group's outputs of that kind are opened, so a new kind is a member here, a
 * folder under runtime/outputs/ and one registry line.
 */
export type OutputDef = HttpOutputDef;

export interface SourceRef {
  file: string;
  line: number;
}

export interface CompiledProjection {
  name: string;
  group: string;
  topics: string[];
  envelope: EnvelopePaths;
  /** How the message key is decoded; absent: `string` (left out so plans without it stay as they were). */
  keyFormat?: KeyFormatName;
  /** How the message value is decoded; absent: `json`. */
  valueFormat?: ValueFormatName;
  unhandled: 'skip' | 'dlq';
  /** Event type → operations, in the sequence the spec lists them. */
  handlers: Record<string, Operation[]>;
  /** The default route: the operations of every message of its topics no handler of this projection takes. */
  default?: Operation[];
  /** The operations of a tombstone (a null value) on its topics. */
  tombstone?: Operation[];
  /** Names of the tables this projection declares. */
  tables: string[];
  /** Event type → its append operations (only when the projection has outputs). */
  appends?: Record<string, AppendOp[]>;
  source: SourceRef;
}

export interface ConsumerGroupPlan {
  group: string;
  topics: string[];
  projections: string[];
}

export interface Plan {
  projections: CompiledProjection[];
  /** Every table of every projection, once, sorted by name. */
  tables: TableDef[];
  groups: ConsumerGroupPlan[];
  /** Outputs of every projection, of every kind, sorted by name (only when there are any). */
  outputs?: OutputDef[];
}

/** `envelope: { id: none }`: messages carry no id; exactly-once rests on the stored positions alone. */
export const NO_ID = 'none';

export const DEFAULT_ENVELOPE: EnvelopePaths = {
  type: '$.event_type',
  id: '$.event_id',
  entity: '$.entity_id',
  version: '$.entity_version',
  time: '$.timestamp',
  data: '$.data',
};

/** The columns a `log: true` table gets before its declared ones. */
export const LOG_COLUMNS: readonly ColumnDef[] = [
  { name: 'event_id', type: 'string', length: 64, nullable: false, implicit: true },
  { name: 'event_type', type: 'string', length: 128, nullable: false, implicit: true },
  { name: 'event_timestamp', type: 'datetime', nullable: true, implicit: true },
  { name: 'event_data', type: 'json', nullable: true, implicit: true },
];
