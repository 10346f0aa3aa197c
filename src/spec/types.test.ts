/**
 * Pins `types.ts` to `schemas/projection.schema.json`, key by key. Each witness is typed
 * `Record<keyof X, true>`, so the type checker fails when an interface gains or loses a key the
 * witness does not list, and the test fails when the schema's `properties` differ from it.
 */
import { describe, expect, it } from 'vitest';
import { projectionSchema } from './schema-file.js';
import type {
  AppendOpSpec,
  DedupeSpec,
  FlushPolicySpec,
  HttpTargetSpec,
  OutputSpec,
  RetryPolicySpec,
  ColumnSpec,
  ColumnType,
  DecrementOpSpec,
  DeleteOpSpec,
  EnvelopeSpec,
  FormatsSpec,
  IncrementOpSpec,
  InsertOpSpec,
  LogOpSpec,
  ProjectionSpec,
  TableSpec,
  UpdateOpSpec,
  ValueForm,
} from './types.js';

interface ObjectSchema {
  properties?: Record<string, unknown>;
  required?: string[];
  enum?: unknown[];
  oneOf?: ObjectSchema[];
  allOf?: Array<{ if: { required: string[] }; then: ObjectSchema }>;
}

const root = projectionSchema as unknown as ObjectSchema & { $defs: Record<string, ObjectSchema> };
const defs = root.$defs;

function def(name: string): ObjectSchema {
  const d = defs[name];
  if (d === undefined) throw new Error(`no $defs/${name}`);
  return d;
}

function properties(s: ObjectSchema | undefined): string[] {
  return Object.keys(s?.properties ?? {}).sort();
}

function keys(witness: Record<string, true>): string[] {
  return Object.keys(witness).sort();
}

/** The keys of T that are not optional. */
type RequiredKeys<T> = { [K in keyof T]-?: object extends Pick<T, K> ? never : K }[keyof T];
type Form<K extends string> = Extract<ValueForm, Record<K, unknown>>;

function valueFormBranch(kind: string): ObjectSchema {
  const branch = def('valueForm').allOf?.find((b) => b.if.required[0] === kind);
  if (branch === undefined) throw new Error(`no value form ${kind}`);
  return branch.then;
}

const projection: Record<keyof ProjectionSpec, true> = { projection: true, description: true, group: true, topics: true, envelope: true, formats: true, unhandled: true, on_missing: true, tables: true, outputs: true, on: true, default: true, tombstone: true };
const projectionRequired: Record<RequiredKeys<ProjectionSpec>, true> = { projection: true, group: true, topics: true };
const appendOp: Record<keyof AppendOpSpec, true> = { append: true, list: true, for_each: true, value: true };
const appendRequired: Record<RequiredKeys<AppendOpSpec>, true> = { append: true, list: true };
const output: Record<keyof OutputSpec, true> = { description: true, http: true, lists: true, flush: true, body: true, retry: true, dedupe: true, max_buffered: true };
const outputRequired: Record<RequiredKeys<OutputSpec>, true> = { http: true, lists: true, body: true };
const httpTarget: Record<keyof HttpTargetSpec, true> = { url: true, method: true, headers: true, timeout: true };
const httpTargetRequired: Record<RequiredKeys<HttpTargetSpec>, true> = { url: true };
const flushPolicy: Record<keyof FlushPolicySpec, true> = { interval: true, max_records: true, max_bytes: true };
const retryPolicy: Record<keyof RetryPolicySpec, true> = { retries: true, base: true, multiplier: true, max_delay: true, statuses: true };
const dedupe: Record<keyof DedupeSpec, true> = { content: true, ttl: true };
const dedupeRequired: Record<RequiredKeys<DedupeSpec>, true> = { content: true, ttl: true };
const formats: Record<keyof FormatsSpec, true> = { value: true, key: true };
const envelope: Record<keyof EnvelopeSpec, true> = { type: true, id: true, entity: true, version: true, time: true, data: true };
const table: Record<keyof TableSpec, true> = { description: true, key: true, unique: true, indexes: true, version: true, log: true, columns: true };
const tableRequired: Record<RequiredKeys<TableSpec>, true> = { columns: true };
const column: Record<keyof ColumnSpec, true> = { type: true, length: true, precision: true, scale: true, nullable: true, default: true, description: true };
const columnRequired: Record<RequiredKeys<ColumnSpec>, true> = { type: true };
const columnTypes: Record<ColumnType, true> = { string: true, text: true, int: true, bigint: true, decimal: true, boolean: true, datetime: true, json: true };

const insertOp: Record<keyof InsertOpSpec, true> = { insert: true, for_each: true, set: true, on_conflict: true, guard: true, version: true, on_missing: true };
const insertRequired: Record<RequiredKeys<InsertOpSpec>, true> = { insert: true, set: true };
const onConflictObject: Record<keyof Exclude<InsertOpSpec['on_conflict'], string | undefined>, true> = { update: true };
const updateOp: Record<keyof UpdateOpSpec, true> = { update: true, where: true, set: true, guard: true, version: true, on_missing: true };
const updateRequired: Record<RequiredKeys<UpdateOpSpec>, true> = { update: true, set: true };
const incrementOp: Record<keyof IncrementOpSpec, true> = { increment: true, where: true, by: true, set: true, create_missing: true, on_missing: true };
const incrementRequired: Record<RequiredKeys<IncrementOpSpec>, true> = { increment: true, by: true };
const decrementOp: Record<keyof DecrementOpSpec, true> = { decrement: true, where: true, by: true, set: true, create_missing: true, on_missing: true };
const decrementRequired: Record<RequiredKeys<DecrementOpSpec>, true> = { decrement: true, by: true };
const logOp: Record<keyof LogOpSpec, true> = { log: true, set: true };
const logRequired: Record<RequiredKeys<LogOpSpec>, true> = { log: true };
const deleteOp: Record<keyof DeleteOpSpec, true> = { delete: true, where: true, guard: true, version: true, on_missing: true };
const deleteRequired: Record<RequiredKeys<DeleteOpSpec>, true> = { delete: true };

const valueForms: { [K in string]: { keys: Record<string, true>; required: Record<string, true> } } = {
  const: { keys: { const: true } satisfies Record<keyof Form<'const'>, true>, required: { const: true } satisfies Record<RequiredKeys<Form<'const'>>, true> },
  path: {
    keys: { path: true, default: true, if_missing: true } satisfies Record<keyof Form<'path'>, true>,
    required: { path: true } satisfies Record<RequiredKeys<Form<'path'>>, true>,
  },
  count: { keys: { count: true } satisfies Record<keyof Form<'count'>, true>, required: { count: true } satisfies Record<RequiredKeys<Form<'count'>>, true> },
  json: { keys: { json: true } satisfies Record<keyof Form<'json'>, true>, required: { json: true } satisfies Record<RequiredKeys<Form<'json'>>, true> },
  equals: { keys: { equals: true } satisfies Record<keyof Form<'equals'>, true>, required: { equals: true } satisfies Record<RequiredKeys<Form<'equals'>>, true> },
  coalesce: { keys: { coalesce: true } satisfies Record<keyof Form<'coalesce'>, true>, required: { coalesce: true } satisfies Record<RequiredKeys<Form<'coalesce'>>, true> },
  map: { keys: { map: true, to: true } satisfies Record<keyof Form<'map'>, true>, required: { map: true, to: true } satisfies Record<RequiredKeys<Form<'map'>>, true> },
  object: { keys: { object: true } satisfies Record<keyof Form<'object'>, true>, required: { object: true } satisfies Record<RequiredKeys<Form<'object'>>, true> },
  replace_in: {
    keys: { replace_in: true, value: true } satisfies Record<keyof Form<'replace_in'>, true>,
    required: { replace_in: true, value: true } satisfies Record<RequiredKeys<Form<'replace_in'>>, true>,
  },
};

type FormKind = 'const' | 'path' | 'count' | 'json' | 'equals' | 'coalesce' | 'map' | 'object' | 'replace_in';
/** FormKind names every member of the ValueForm union: a new member makes this `false`. */
type AnyForm<K extends FormKind> = K extends FormKind ? Form<K> : never;
const everyFormNamed: [Exclude<ValueForm, AnyForm<FormKind>>] extends [never] ? true : false = true;
/** And every name is a member: a removed one makes its key `never`, and the literal below fails. */
const formKinds: Record<{ [K in FormKind]: [Form<K>] extends [never] ? never : K }[FormKind], true> = {
  const: true, path: true, count: true, json: true, equals: true, coalesce: true, map: true, object: true, replace_in: true,
};

describe('spec types match the JSON schema', () => {
  it.each([
    ['projection', root, projection, projectionRequired],
    ['envelope', def('envelope'), envelope, {}],
    ['formats', def('formats'), formats, {}],
    ['table', def('table'), table, tableRequired],
    ['column (object form)', def('column').oneOf?.[1], column, columnRequired],
    ['insert', def('insertOp'), insertOp, insertRequired],
    ['update', def('updateOp'), updateOp, updateRequired],
    ['increment', def('incrementOp'), incrementOp, incrementRequired],
    ['decrement', def('decrementOp'), decrementOp, decrementRequired],
    ['log', def('logOp'), logOp, logRequired],
    ['delete', def('deleteOp'), deleteOp, deleteRequired],
    ['append', def('appendOp'), appendOp, appendRequired],
    ['output', def('output'), output, outputRequired],
    ['http target', def('httpTarget'), httpTarget, httpTargetRequired],
    ['flush policy', def('flushPolicy'), flushPolicy, {}],
    ['retry policy', def('retryPolicy'), retryPolicy, {}],
    ['dedupe', def('dedupe'), dedupe, dedupeRequired],
  ] as Array<[string, ObjectSchema | undefined, Record<string, true>, Record<string, true>]>)('%s', (_name, schema, witness, required) => {
    expect(properties(schema)).toEqual(keys(witness));
    expect([...(schema?.required ?? [])].sort()).toEqual(keys(required));
  });

  it('on_conflict: the object form and the string forms', () => {
    const oneOf = def('insertOp').properties?.on_conflict as ObjectSchema;
    expect(properties(oneOf.oneOf?.[1])).toEqual(keys(onConflictObject));
    const strings: Record<Extract<InsertOpSpec['on_conflict'], string>, true> = { ignore: true, update: true };
    expect([...(oneOf.oneOf?.[0]?.enum ?? [])].sort()).toEqual(keys(strings));
  });

  it('has exactly the value forms of the ValueForm union', () => {
    expect(everyFormNamed).toBe(true);
    expect(Object.keys(valueForms).sort()).toEqual(keys(formKinds));
    const selectors = (def('valueForm').oneOf ?? []).map((b) => b.required?.[0]);
    const branches = (def('valueForm').allOf ?? []).map((b) => b.if.required[0]);
    expect([...selectors].sort()).toEqual(keys(formKinds));
    expect([...branches].sort()).toEqual(keys(formKinds));
  });

  it.each(Object.entries(valueForms))('value form %s', (kind, { keys: witness, required }) => {
    const branch = valueFormBranch(kind);
    expect(properties(branch)).toEqual(keys(witness));
    expect([kind, ...(branch.required ?? [])].sort()).toEqual(keys(required));
  });

  it('has the operation kinds of OperationSpec', () => {
    const kinds = (def('operation').oneOf ?? []).map((b) => b.required?.[0]);
    const witness: Record<'insert' | 'update' | 'increment' | 'decrement' | 'log' | 'delete' | 'append', true> = { insert: true, update: true, increment: true, decrement: true, log: true, delete: true, append: true };
    expect([...kinds].sort()).toEqual(keys(witness));
  });

  it('has the column types of ColumnType', () => {
    expect([...(def('columnType').enum ?? [])].sort()).toEqual(keys(columnTypes));
  });

  it('has the enums of unhandled and if_missing', () => {
    const unhandled: Record<NonNullable<ProjectionSpec['unhandled']>, true> = { skip: true, dlq: true };
    const ifMissing: Record<NonNullable<Form<'path'>['if_missing']>, true> = { default: true, keep: true };
    expect([...((root.properties?.unhandled as ObjectSchema).enum ?? [])].sort()).toEqual(keys(unhandled));
    expect([...((valueFormBranch('path').properties?.if_missing as ObjectSchema).enum ?? [])].sort()).toEqual(keys(ifMissing));
  });

  it('has the enum of on_missing', () => {
    const onMissing: Record<NonNullable<ProjectionSpec['on_missing']>, true> = { dlq: true, skip: true };
    expect([...(def('onMissing').enum ?? [])].sort()).toEqual(keys(onMissing));
  });
});
