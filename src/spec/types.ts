/**
 * The validated YAML of a projection, as `schemas/projection.schema.json` describes it.
 * `src/spec/types.test.ts` pins these interfaces to the schema key by key.
 */

export type Scalar = string | number | boolean | null;

export type ColumnType = 'string' | 'text' | 'int' | 'bigint' | 'decimal' | 'boolean' | 'datetime' | 'json';

export interface ColumnSpec {
  type: ColumnType;
  length?: number;
  precision?: number;
  scale?: number;
  nullable?: boolean;
  default?: Scalar;
  description?: string;
}

export interface TableSpec {
  description?: string;
  key?: string[];
  unique?: string[][];
  indexes?: string[][];
  version?: string;
  log?: boolean;
  columns: Record<string, ColumnType | ColumnSpec>;
}

export interface EnvelopeSpec {
  type?: string;
  id?: string;
  entity?: string;
  version?: string;
  time?: string;
  data?: string;
}

export type ValueSpec = Scalar | ValueForm;

export type ValueForm =
  | { const: unknown }
  | { path: string; default?: Scalar; if_missing?: 'default' | 'keep' }
  | { count: string }
  | { json: ValueSpec }
  | { equals: [ValueSpec, ValueSpec] }
  | { coalesce: ValueSpec[] }
  | { map: string; to: Record<string, ValueSpec> }
  | { object: Record<string, ValueSpec> }
  | { replace_in: Array<string | number>; value: ValueSpec };

export type Assignments = Record<string, ValueSpec>;

/** What an operation does when its row cannot be identified or a required value is missing. */
export type OnMissing = 'dlq' | 'skip';

export interface InsertOpSpec {
  insert: string;
  for_each?: string;
  set: Assignments;
  on_conflict?: 'ignore' | 'update' | { update: string[] };
  guard?: boolean;
  /** The version of the row it writes (a path), guarded by instead of the envelope's version. */
  version?: string;
  on_missing?: OnMissing;
}

export interface UpdateOpSpec {
  update: string;
  where?: Assignments;
  set: Assignments;
  guard?: boolean;
  /** The version of the row it writes (a path), guarded by instead of the envelope's version. */
  version?: string;
  on_missing?: OnMissing;
}

export interface IncrementOpSpec {
  increment: string;
  where?: Assignments;
  by: Assignments;
  set?: Assignments;
  create_missing?: boolean;
  on_missing?: OnMissing;
}

export interface DecrementOpSpec {
  decrement: string;
  where?: Assignments;
  by: Assignments;
  set?: Assignments;
  create_missing?: boolean;
  on_missing?: OnMissing;
}

export interface LogOpSpec {
  log: string;
  set?: Assignments;
}

export interface DeleteOpSpec {
  delete: string;
  where?: Assignments;
  guard?: boolean;
  /** The version of the row it writes (a path), guarded by instead of the envelope's version. */
  version?: string;
  on_missing?: OnMissing;
}

export interface AppendOpSpec {
  append: string;
  list: string;
  for_each?: string;
  value?: ValueSpec;
}

/** The operations that write tables (every kind but append). */
export type TableOpSpec = InsertOpSpec | UpdateOpSpec | IncrementOpSpec | DecrementOpSpec | LogOpSpec | DeleteOpSpec;

export type OperationSpec = TableOpSpec | AppendOpSpec;

export interface HttpTargetSpec {
  url: string;
  method?: 'POST' | 'PUT' | 'PATCH';
  headers?: Record<string, string>;
  timeout?: number;
}

export interface FlushPolicySpec {
  interval?: number;
  max_records?: number;
  max_bytes?: number;
}

export interface RetryPolicySpec {
  retries?: number;
  base?: number;
  multiplier?: number;
  max_delay?: number;
  statuses?: Array<number | string>;
}

export interface DedupeSpec {
  content: ValueSpec;
  ttl: number;
}

export interface OutputSpec {
  description?: string;
  http: HttpTargetSpec;
  lists: string[];
  flush?: FlushPolicySpec;
  body: ValueSpec;
  retry?: RetryPolicySpec;
  dedupe?: DedupeSpec;
  max_buffered?: number;
}

/**
 * How a message's value is decoded: `json` (the default) or a schema-registry wire format whose
 * schema is fetched by its id (runtime/apply/formats/, runtime/registry/).
 */
export type ValueFormatName = 'json' | 'avro' | 'protobuf' | 'json-schema';

/** How a message key is decoded (runtime/apply/formats/: one entry per name). */
export type KeyFormatName = 'string' | 'json' | 'avro' | 'protobuf' | 'json-schema';

export interface FormatsSpec {
  value?: ValueFormatName;
  key?: KeyFormatName;
}

export interface ProjectionSpec {
  projection: string;
  description?: string;
  group: string;
  topics: string[];
  envelope?: EnvelopeSpec;
  formats?: FormatsSpec;
  unhandled?: 'skip' | 'dlq';
  on_missing?: OnMissing;
  tables?: Record<string, TableSpec>;
  outputs?: Record<string, OutputSpec>;
  /** Handlers by event type; a projection has `on`, `default` or both (validate checks it). */
  on?: Record<string, OperationSpec[]>;
  /** The default route: what every message no `on` handler of this projection takes does. */
  default?: OperationSpec[];
  /** What a tombstone (a null value) does: operations reading the key and headers, never the value. */
  tombstone?: OperationSpec[];
}
