/** Output and append specs → plan data (HttpOutputDef, AppendOp). Trusts its input: validate first. */
import type { AppendOpSpec, OperationSpec, OutputSpec, TableOpSpec } from '../spec/types.js';
import type { AppendOp, HttpOutputDef, SourceRef } from './plan.js';
import { compileValue, parsePathRef } from './value.js';

export function isAppendOp(op: OperationSpec): op is AppendOpSpec {
  return 'append' in op;
}

export function isTableOp(op: OperationSpec): op is TableOpSpec {
  return !('append' in op);
}

export const OUTPUT_DEFAULTS = {
  timeoutS: 30,
  intervalS: 30,
  maxRecords: 1000,
  maxBytes: 1024 * 1024,
  retries: 3,
  baseS: 1,
  multiplier: 2,
  maxDelayS: 60,
  statuses: ['408', '429', '5xx'],
  /** max_buffered, as a multiple of max_records. */
  bufferedBatches: 10,
} as const;

export function compileAppend(spec: AppendOpSpec): AppendOp {
  const op: AppendOp = { output: spec.append, list: spec.list, value: compileValue(spec.value ?? (spec.for_each !== undefined ? '$item' : '$')) };
  if (spec.for_each !== undefined) {
    const ref = parsePathRef(spec.for_each);
    if ('root' in ref) op.forEach = { root: ref.root, path: ref.path };
  }
  return op;
}

export function compileOutput(name: string, spec: OutputSpec, where: { projection: string; group: string; source: SourceRef }): HttpOutputDef {
  const d = OUTPUT_DEFAULTS;
  const maxRecords = spec.flush?.max_records ?? d.maxRecords;
  const def: HttpOutputDef = {
    // The spec's `http:` block: the one kind there is today.
    kind: 'http',
    name,
    projection: where.projection,
    group: where.group,
    url: spec.http.url,
    method: spec.http.method ?? 'POST',
    headers: { ...spec.http.headers },
    timeoutMs: Math.round((spec.http.timeout ?? d.timeoutS) * 1000),
    lists: [...spec.lists],
    flush: { intervalMs: Math.round((spec.flush?.interval ?? d.intervalS) * 1000), maxRecords, maxBytes: spec.flush?.max_bytes ?? d.maxBytes },
    body: compileValue(spec.body),
    retry: {
      retries: spec.retry?.retries ?? d.retries,
      baseMs: Math.round((spec.retry?.base ?? d.baseS) * 1000),
      multiplier: spec.retry?.multiplier ?? d.multiplier,
      maxDelayMs: Math.round((spec.retry?.max_delay ?? d.maxDelayS) * 1000),
      statuses: (spec.retry?.statuses ?? d.statuses).map(String),
    },
    maxBuffered: spec.max_buffered ?? maxRecords * d.bufferedBatches,
    source: where.source,
  };
  if (spec.dedupe !== undefined) def.dedupe = { content: compileValue(spec.dedupe.content), ttlMs: Math.round(spec.dedupe.ttl * 1000) };
  return def;
}
