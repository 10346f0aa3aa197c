/**
 * The outbox side of HTTP outputs, as a BatchEffect of the group's processor: per event (before
 * the transaction) the records its `append` operations produce and its content hash; inside the
 * batch's transaction the content-duplicate check, the records, their source messages and the
 * new hashes. Records are durable when the batch commits, so Kafka offsets may move right after.
 */
import { compilePath } from '../../../compile/accessor.js';
import { bindValue, type Evaluator } from '../../../compile/evaluate.js';
import { jsonText } from '../../../compile/exact-number.js';
import type { Plan } from '../../../compile/plan.js';
import { sqlNow } from '../../../sql/engine-sql.js';
import { chunks } from '../../../sql/fold.js';
import { EventError } from '../../apply/event-error.js';
import type { DecodedEvent } from '../../apply/message.js';
import { StoppedError, type BatchEffect, type ProcessorHooks } from '../../commit/processor.js';
import type { Sink, Tx } from '../../sinks/sink.js';
import { contentHash } from './canonical.js';
import type { HttpOutputRunner } from './runner.js';
import { outboxSql, type MessageRow, type RecordRow } from './store.js';
import type { Clock } from './transport.js';

interface BoundAppend {
  output: string;
  list: string;
  items?: (event: unknown) => unknown;
  itemsPath?: string;
  value: Evaluator;
  projection: string;
  eventType: string;
}

interface Prepared {
  records: Array<{ output: string; list: string; record: string }>;
  /** Output → content hash of the event, for outputs with dedupe. */
  hashes: Map<string, string>;
}

const ROWS_PER_STATEMENT = 500;

export function outboxEffect(plan: Plan, group: string, runners: Map<string, HttpOutputRunner>, sink: Sink, clock: Clock, bounded: boolean): BatchEffect {
  const sql = outboxSql(sink.dialect);
  const byRoute = new Map<string, BoundAppend[]>();
  const dedupe = new Map<string, { content: Evaluator; ttlMs: number }>();
  for (const o of plan.outputs ?? []) {
    if (o.group === group && o.dedupe !== undefined) dedupe.set(o.name, { content: bindValue(o.dedupe.content), ttlMs: o.dedupe.ttlMs });
  }
  for (const p of plan.projections) {
    if (p.group !== group || p.appends === undefined) continue;
    for (const topic of p.topics) {
      for (const [type, ops] of Object.entries(p.appends)) {
        const k = `${topic}\u0000${type}`;
        byRoute.set(k, [...(byRoute.get(k) ?? []), ...ops.map((op) => {
          const b: BoundAppend = { output: op.output, list: op.list, value: bindValue(op.value), projection: p.name, eventType: type };
          if (op.forEach !== undefined) {
            b.items = compilePath(op.forEach.path).get;
            b.itemsPath = op.forEach.path;
          }
          return b;
        })]);
      }
    }
  }

  return {
    prepare(event: DecodedEvent): Prepared | undefined {
      const appends = byRoute.get(`${event.msg.topic}\u0000${event.type}`);
      if (appends === undefined) return undefined;
      const out: Prepared = { records: [], hashes: new Map() };
      for (const a of appends) {
        if (a.items === undefined) {
          out.records.push({ output: a.output, list: a.list, record: toJson(a.value({ event: event.value })) });
        } else {
          const list = a.items(event.value);
          if (!Array.isArray(list)) {
            throw new EventError(`append to ${a.output}.${a.list}: ${a.itemsPath ?? 'for_each'} is not an array (got ${describe(list)})`, a.projection, a.eventType);
          }
          list.forEach((item: unknown, index) => out.records.push({ output: a.output, list: a.list, record: toJson(a.value({ event: event.value, item, index })) }));
        }
        const d = dedupe.get(a.output);
        if (d !== undefined && !out.hashes.has(a.output)) out.hashes.set(a.output, contentHash(d.content({ event: event.value })));
      }
      return out;
    },

    async write(tx: Tx, events, _at) {
      const items = events.filter((e): e is { event: DecodedEvent; prepared: Prepared } => e.prepared !== undefined);
      if (items.length === 0) return undefined;
      const now = clock.now();
      const nowSql = sqlNow(new Date(now));
      // Content duplicates: hashes seen within the TTL (stored) or earlier in this batch drop the event's records for that output.
      const dropped = new Set<string>();
      const duplicates = new Map<string, number>();
      for (const [output, d] of dedupe) {
        const mine = items.filter((i) => i.prepared.hashes.has(output));
        if (mine.length === 0) continue;
        const seen = new Set<string>();
        const unique = [...new Set(mine.map((i) => i.prepared.hashes.get(output) as string))];
        for (const part of chunks(unique.sort(), ROWS_PER_STATEMENT)) {
          const lock = sql.lockHashes(output, part);
          if (lock !== undefined) await tx.query(lock);
          for (const r of await tx.query(sql.selectHashes(output, part, nowSql))) seen.add(String(r.hash));
        }
        const fresh: string[] = [];
        for (const i of mine) {
          const h = i.prepared.hashes.get(output) as string;
          if (seen.has(h)) {
            dropped.add(`${output}\u0000${i.event.msg.topic}\u0000${i.event.msg.partition}\u0000${i.event.msg.offset}`);
            duplicates.set(output, (duplicates.get(output) ?? 0) + 1);
          } else {
            seen.add(h);
            fresh.push(h);
          }
        }
        const expires = sqlNow(new Date(now + d.ttlMs));
        for (const part of chunks(fresh, ROWS_PER_STATEMENT)) await tx.exec(sql.upsertHashes(output, part, expires));
      }
      const records: RecordRow[] = [];
      const messages: MessageRow[] = [];
      const added = new Map<string, { lists: Map<string, number>; bytes: number }>();
      for (const { event, prepared } of items) {
        const { topic, partition, offset } = event.msg;
        const seq = new Map<string, number>();
        for (const r of prepared.records) {
          if (dropped.has(`${r.output}\u0000${topic}\u0000${partition}\u0000${offset}`)) continue;
          const n = seq.get(r.output) ?? 0;
          if (n === 0) {
            messages.push({ output: r.output, topic, partition, offset, group, key: event.msg.key?.toString('base64') ?? null, value: event.msg.value?.toString('base64') ?? null });
          }
          seq.set(r.output, n + 1);
          const bytes = Buffer.byteLength(r.record, 'utf8');
          records.push({ output: r.output, topic, partition, offset, seq: n, list: r.list, record: r.record, bytes });
          const a = added.get(r.output) ?? { lists: new Map<string, number>(), bytes: 0 };
          a.lists.set(r.list, (a.lists.get(r.list) ?? 0) + 1);
          a.bytes += bytes;
          added.set(r.output, a);
        }
      }
      for (const part of chunks(records, ROWS_PER_STATEMENT)) await tx.exec(sql.insertRecords(part));
      for (const part of chunks(messages, ROWS_PER_STATEMENT)) await tx.exec(sql.insertMessages(part));
      return () => {
        for (const [output, n] of duplicates) runners.get(output)?.contentDuplicates(n);
        for (const [output, a] of added) runners.get(output)?.added(a.lists, a.bytes);
      };
    },

    async admit(hooks: ProcessorHooks) {
      if (!bounded) return;
      for (const runner of runners.values()) {
        // Consumption pauses here (the Kafka fetch waits for this batch) while too much waits
        // for the endpoint; the flusher keeps retrying, and this resumes by itself.
        let logged = false;
        while (runner.full()) {
          if (hooks.stopping?.()) throw new StoppedError();
          if (!logged) runner.logPaused();
          logged = true;
          runner.requestFlush();
          await clock.sleep(250);
          await hooks.heartbeat?.();
        }
      }
    },
  };
}

/** Exact numbers (past a double's digits) are written as they came in the event. */
function toJson(v: unknown): string {
  return jsonText(v) ?? 'null';
}

function describe(v: unknown): string {
  if (v === undefined) return 'nothing: the field is missing';
  if (v === null) return 'null';
  return typeof v === 'object' ? 'an object' : `a ${typeof v}`;
}
