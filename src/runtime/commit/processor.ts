/**
 * One consumer group's batch processor: messages in, one database transaction out.
 *
 * For a unit of messages it decodes, routes and evaluates every event's row changes (pure), then
 * in ONE transaction: drops event ids already processed, records the new ones, applies the
 * folded statements, writes the dead letters (to a table; a topic's go before) and moves the group's positions.
 * Transient database errors retry the unit with backoff; a data error splits the unit in halves
 * until the event at fault is alone, and that event is dead-lettered.
 */
import { fold, chunks, rowBytes, splitByBytes } from '../../sql/fold.js';
import type { Statement } from '../../sql/statement.js';
import { sqlNow } from '../../sql/engine-sql.js';
import type { Sink, Tx } from '../sinks/sink.js';
import type { SpecWatch } from '../lifecycle/spec-watch.js';
import { DEFAULT_ROUTE, type GroupRoutes, type Handler } from '../apply/routes.js';
import { isBad, type DecodedEvent, type RawMessage } from '../apply/message.js';
import { EventError } from '../apply/event-error.js';
import { rowIdentity, type RowChange } from '../../sql/rows.js';
import type { DeadLetter, DeadLetterSink } from '../outputs/dead-letters/index.js';
import type { Backoff } from './retry.js';
import { addSkippedTypes, recordCommit, type GroupStats } from '../ops/stats.js';
import { explainNoops } from './noop.js';
import { FatalError, PositionsChangedError, StoppedError } from './errors.js';
import { bisect } from './bisect.js';
import { retrying, type RetryContext } from './retrying.js';
import { claimIds } from './claims.js';
import { checkGaps, movePositions, posKey, spans, unapplied } from './positions.js';
import { SwapGuard } from './swap-guard.js';
import type { Logger } from '../ops/log.js';
import { rowsKey, type BatchObserver } from '../ops/metrics.js';

export interface ProcessorHooks {
  /** Called between statements and while waiting to retry (Kafka session heartbeats). */
  heartbeat?: () => Promise<void>;
  stopping?: () => boolean;
  /**
   * Kafka: a batch that starts past the expected next offset is refused (GapError) unless this
   * says the gap is Kafka's own (the consumer already sought there and Kafka answered with a later
   * offset: compaction, transaction markers). Without it (files, fixtures) offsets are not checked.
   */
  gapAllowed?: (topic: string, partition: number, expected: number) => boolean;
  /** The caller's own work in every unit's transaction, after the positions (a file run's source record). */
  inTransaction?: (tx: Tx, at: string) => Promise<void>;
}

/**
 * Work the plan adds to a batch beside the table rows (an output's outbox, say), so that each
 * output kind is a room of its own and this processor stays one loop: `prepare` runs per routed
 * event before the transaction (pure; an EventError dead-letters the event, as for operations),
 * `write` runs inside the batch's transaction after the event ids are claimed (fresh events
 * only), and what it returns runs once that transaction has committed.
 */
export interface BatchEffect {
  prepare(event: DecodedEvent): unknown;
  write(tx: Tx, events: Array<{ event: DecodedEvent; prepared: unknown }>, at: string): Promise<(() => void) | undefined>;
  /** Before each unit: wait while the effect cannot take more (a bounded outbox). */
  admit?(hooks: ProcessorHooks): Promise<void>;
}

export interface ProcessorOptions {
  sink: Sink;
  routes: GroupRoutes;
  deadLetters: DeadLetterSink;
  stats: GroupStats;
  log: Logger;
  backoff?: Backoff;
  /** At most this many messages per transaction (1 = one transaction per message). */
  maxBatch?: number;
  /** Told once per committed unit (metrics); never per message. */
  observer?: BatchObserver;
  effects?: BatchEffect[];
  /**
   * Hold each partition's swap lock (runtime/rebuild/swap-lock.ts) during its transactions, under
   * the routes' group name (default true; MariaDB only). A rebuild's shadow group takes its own
   * names, which no swap waits for.
   */
  partitionLocks?: boolean;
  /** Roll back, with SpecChangedError, a transaction that finds the group's stored spec fingerprints changed. */
  specWatch?: SpecWatch;
  /**
   * The consumer-group name the positions are stored under (default the routes' group): a file
   * run's named source keeps positions of its own (sources/ndjson/record.ts), and its dead letters carry that
   * name too (their ids would collide with the default source's lines); event ids and locks stay
   * the group's.
   */
  positionsGroup?: string;
}

export { StoppedError, PositionsChangedError, GapError, FatalError } from './errors.js';

interface Prepared {
  event: DecodedEvent;
  handlers: Handler[];
  rows: RowChange[];
  /** Operations left out under on_missing: skip. */
  missed: number;
  /** What each of ProcessorOptions.effects prepared for the event, by position. */
  effects: unknown[];
}

interface Unit {
  events: Prepared[];
  letters: DeadLetter[];
  /** Counted only when the unit commits, so a split or a retry never counts twice. */
  skipped: number;
  /** `skipped` by raw event type (created at the first skip). */
  skippedTypes?: Map<string | undefined, number>;
  duplicates: number;
  /** Rows written per table and operation by the attempt that committed (for the observer). */
  written?: Map<string, number>;
  /** Of the attempt that committed: what the effects do once it has. */
  after?: Array<() => void>;
  /** Of the attempt that committed: update and delete row changes that matched no row. */
  noop?: number;
  /** Of `noop`: the stale ones, and all by table, handler and reason (stats.ts noopKey). */
  noopStale?: number;
  noopBy?: Map<string, number>;
}

/** Unexpected evaluation errors in a row, with no good event between, after which a group stops. */
const MAX_UNEXPECTED_IN_A_ROW = 100;

export class GroupProcessor {
  private positions: Map<string, number> | undefined;
  /** Events in a row whose evaluation threw something other than an EventError or a RangeError. */
  private unexpectedInARow = 0;
  /** Where a partition with no stored position starts (set when the consumer places it). */
  private readonly starts = new Map<string, number>();
  /** The partition locks and the fingerprint check of every transaction (commit/swap-guard.ts). */
  private readonly swap: SwapGuard;

  /** The consumer-group name of the positions (ProcessorOptions.positionsGroup). */
  private readonly posGroup: string;

  /** Where the retry loop reports (commit/retrying.ts): once per processor, not per unit. */
  private readonly retry: RetryContext;

  constructor(private readonly o: ProcessorOptions) {
    this.posGroup = o.positionsGroup ?? o.routes.group;
    this.swap = new SwapGuard({ group: o.routes.group, dialect: o.sink.dialect, ...(o.partitionLocks !== undefined ? { partitionLocks: o.partitionLocks } : {}), ...(o.specWatch !== undefined ? { specWatch: o.specWatch } : {}) });
    this.retry = { group: o.routes.group, log: o.log, stats: o.stats, ...(o.observer !== undefined ? { observer: o.observer } : {}), ...(o.backoff !== undefined ? { backoff: o.backoff } : {}) };
  }

  /** The fingerprints this processor's transactions expect (ProcessorOptions.specWatch). */
  get specWatch(): SpecWatch | undefined {
    return this.o.specWatch;
  }

  /** Forget cached positions (after a rebalance another member may have moved them). */
  resetPositions(): void {
    this.positions = undefined;
    this.starts.clear();
  }

  /** The first offset to apply of a partition that has no stored position yet. */
  setStart(topic: string, partition: number, offset: number): void {
    this.starts.set(posKey(topic, partition), offset);
  }

  /** Store a partition's position where none is (`--start-from latest`) or past a deleted gap (positions never move back). */
  async initPosition(topic: string, partition: number, offset: number, hooks: ProcessorHooks = {}): Promise<void> {
    const row = { group: this.posGroup, topic, partition, nextOffset: offset, at: sqlNow() };
    await retrying(this.retry, hooks, () => 'store the start position', () => this.o.sink.transaction((tx, start) => {
      this.swap.check(start);
      return tx.exec(this.o.sink.engine.upsertPositions([row]));
    }, this.swap.of([posKey(topic, partition)])));
    this.positions = undefined;
  }

  /** The stored next offset of every partition of the group. */
  async storedPositions(hooks: ProcessorHooks = {}): Promise<Map<string, number>> {
    if (this.positions === undefined) {
      const rows = await retrying(this.retry, hooks, () => 'read positions', () => this.o.sink.transaction((tx) => tx.query(this.o.sink.engine.selectPositions(this.posGroup))));
      this.positions = new Map(rows.map((r) => [posKey(String(r.topic), Number(r.partition)), Number(r.next_offset)]));
    }
    return this.positions;
  }

  /** The next offset this processor knows committed for a partition, without a query. */
  knownPosition(topic: string, partition: number): number | undefined {
    return this.positions?.get(posKey(topic, partition));
  }

  async positionOf(topic: string, partition: number, hooks: ProcessorHooks = {}): Promise<number | undefined> {
    return (await this.storedPositions(hooks)).get(posKey(topic, partition));
  }

  /** Apply messages (of any partitions, in delivery sequence) and commit them. */
  async process(messages: RawMessage[], hooks: ProcessorHooks = {}): Promise<void> {
    const stored = await this.storedPositions(hooks);
    // The database's position is the truth both ways: a batch that starts past it (Kafka's
    // committed offset ahead of a restored database, or a fetch that raced the seek) is refused.
    if (hooks.gapAllowed !== undefined) checkGaps(messages, stored, this.starts, hooks.gapAllowed);
    // Offsets below the stored position were committed to the database before a crash or a
    // rebalance, even if Kafka's committed offset lags behind: skip them.
    const fresh = unapplied(messages, stored);
    this.o.stats.alreadyApplied += messages.length - fresh.length;
    try {
      // One attempt function and one `sent` set per unit: per batch, never per message.
      for (const unit of chunks(fresh, this.o.maxBatch ?? Number.MAX_SAFE_INTEGER)) {
        if (hooks.stopping?.()) throw new StoppedError();
        for (const e of this.o.effects ?? []) await e.admit?.(hooks);
        const sent = new Set<RawMessage>();
        await bisect(unit, (part, rejected) => this.commit(part, hooks, rejected === undefined ? undefined : `database rejected the event: ${rejected.message}`, sent, stored));
      }
    } catch (e) {
      // Only the cache: the start places of other partitions still hold.
      if (e instanceof PositionsChangedError) this.positions = undefined;
      throw e;
    }
  }

  private prepare(messages: RawMessage[], forced: string | undefined): Unit {
    const unit: Unit = { events: [], letters: [], skipped: 0, duplicates: 0 };
    const seen = new Set<string>();
    // `$now`: one instant for the unit, so a retried unit writes what its first attempt would have.
    const now = new Date().toISOString();
    for (const msg of messages) {
      try {
        this.prepareOne(msg, forced, unit, seen, now);
      } catch (e) {
        unit.letters.push(this.perEventFailure(msg, e));
      }
    }
    return unit;
  }

  private prepareOne(msg: RawMessage, forced: string | undefined, unit: Unit, seen: Set<string>, now: string): void {
    const { routes } = this.o;
    const decoded = routes.decode(msg);
    if (isBad(decoded)) {
      unit.letters.push({ msg, group: this.posGroup, projection: null, eventType: null, reason: decoded.reason });
      return;
    }
    const type = decoded.type ?? null;
    const handlers = routes.route(msg.topic, decoded.type);
    if (handlers === undefined) {
      // No usable type and no default route: the envelope is broken, never skipped silently.
      if (decoded.untyped !== undefined) unit.letters.push({ msg, group: this.posGroup, projection: null, eventType: null, reason: decoded.untyped });
      else if (routes.unhandledToDlq(msg.topic)) unit.letters.push({ msg, group: this.posGroup, projection: null, eventType: type, reason: `no projection handles event type ${type}` });
      else {
        unit.skipped++;
        const types = (unit.skippedTypes ??= new Map());
        types.set(decoded.type, (types.get(decoded.type) ?? 0) + 1);
      }
      return;
    }
    // Only default routes take an event without an id (its exactly-once rests on the positions).
    if (decoded.noId !== undefined && handlers.some((h) => !h.default)) {
      unit.letters.push({ msg, group: this.posGroup, projection: null, eventType: type, reason: decoded.noId });
      return;
    }
    if (forced !== undefined) {
      unit.letters.push({ msg, group: this.posGroup, projection: handlers.map((h) => h.projection).join(','), eventType: type, reason: forced });
      return;
    }
    if (decoded.id !== undefined) {
      if (seen.has(decoded.id)) {
        unit.duplicates++;
        return;
      }
      seen.add(decoded.id);
    }
    const rows: RowChange[] = [];
    const meta = { msg, typeText: decoded.typeText, now };
    let missed = 0;
    let current: Handler | undefined;
    let effects: unknown[];
    try {
      for (const h of handlers) {
        current = h;
        const paths = h.extract(decoded.value);
        for (const op of h.ops) missed += op(decoded.value, rows, paths, meta);
      }
      effects = (this.o.effects ?? []).map((e) => e.prepare(decoded));
    } catch (e) {
      if (e instanceof EventError) {
        unit.letters.push({ msg, group: this.posGroup, projection: e.projection, eventType: e.eventType, reason: e.message });
        return;
      }
      throw Object.assign(e instanceof Error ? e : new Error(String(e)), { scProjection: current?.projection, scEventType: current?.default === true ? DEFAULT_ROUTE : type ?? undefined });
    }
    const limit = this.o.sink.maxStatementBytes;
    if (limit !== undefined) {
      // A row change that alone exceeds the statement limit can never be written: the event's
      // fault (the server would drop the connection on it, which looks like an outage).
      const big = rows.find((r) => rowBytes(r) > limit);
      if (big !== undefined) {
        unit.letters.push({ msg, group: this.posGroup, projection: handlers.map((h) => h.projection).join(","), eventType: type ?? null, reason: `the event's change of table ${big.table} takes about ${rowBytes(big)} bytes, more than the database accepts in one statement (${limit} bytes under max_allowed_packet)` });
        return;
      }
    }
    this.unexpectedInARow = 0;
    unit.events.push({ event: decoded, handlers, rows, missed, effects });
  }

  /**
   * A throw while decoding or evaluating one event is that event's fault: its depth (a stack
   * overflow in a recursive path or JSON.stringify), its size (string or array length limits) or
   * a value no check foresaw. It is dead-lettered with the error as the reason, and the rest of
   * the batch goes on. Errors that are not RangeErrors may also be an engine bug, which would
   * dead-letter every event: those are logged with their stack, and after MAX_UNEXPECTED_IN_A_ROW
   * of them with no good event in between the group stops instead of emptying the stream into the DLQ.
   */
  private perEventFailure(msg: RawMessage, e: unknown): DeadLetter {
    const err = e instanceof Error ? e : new Error(String(e));
    const { scProjection, scEventType } = err as { scProjection?: string; scEventType?: string };
    const where = { topic: msg.topic, partition: msg.partition, offset: msg.offset, group: this.o.routes.group, projection: scProjection ?? null, event_type: scEventType ?? null };
    let reason: string;
    if (err instanceof RangeError) {
      reason = /call stack/i.test(err.message) ? `event is nested too deeply to evaluate (${err.message})` : `event is too large to evaluate (${err.message})`;
    } else {
      this.unexpectedInARow++;
      this.o.log.error('unexpected error evaluating an event (dead-lettered)', { ...where, error: err.message, stack: err.stack ?? '' });
      if (this.unexpectedInARow >= MAX_UNEXPECTED_IN_A_ROW) {
        throw new FatalError(`group ${this.o.routes.group}: ${this.unexpectedInARow} events in a row failed with unexpected errors (an engine bug?), last at ${msg.topic}/${msg.partition} offset ${msg.offset}: ${err.message}`, err);
      }
      reason = `unexpected error evaluating the event: ${err.message}`;
    }
    return { msg, group: this.posGroup, projection: scProjection ?? null, eventType: scEventType ?? null, reason };
  }

  /**
   * One attempt of bisect.ts: prepare and commit the messages, or throw DataError. `forced` is
   * the reason to dead-letter the only message (the database refused it alone). `sent` holds the
   * messages already sent by an attempt that then failed (a dead-letter topic sends before the
   * transaction): a split never sends them twice.
   */
  private async commit(messages: RawMessage[], hooks: ProcessorHooks, forced: string | undefined, sent: Set<RawMessage>, known: Map<string, number>): Promise<void> {
    const unit = this.prepare(messages, forced);
    const { sink, deadLetters, stats } = this.o;
    const started = performance.now();
    const fresh = await retrying(this.retry, hooks, () => `commit of ${describe(messages)}`, async () => {
      if (unit.letters.length > 0) await deadLetters.send(unit.letters, sent);
      return sink.transaction((tx, start) => {
        this.swap.check(start);
        return this.write(tx, messages, unit, hooks, known);
      }, this.swap.of(spans(messages).keys()));
    });
    for (const f of unit.after ?? []) f();
    const ms = performance.now() - started;
    recordCommit(stats, ms);
    stats.events += messages.length;
    // An event all of whose operations were missed changed nothing: it is missed, not applied.
    const applied = fresh.filter((p) => p.missed === 0 || p.rows.length > 0);
    this.o.observer?.committed(ms / 1000, messages.length, byProjection(applied), lettersByProjection(unit.letters), unit.written ?? new Map());
    stats.applied += applied.length;
    stats.missed += fresh.reduce((n, p) => n + p.missed, 0);
    stats.noop += unit.noop ?? 0;
    stats.noopStale += unit.noopStale ?? 0;
    if (unit.noopBy !== undefined) for (const [k, n] of unit.noopBy) stats.noopBy.set(k, (stats.noopBy.get(k) ?? 0) + n);
    stats.duplicates += unit.duplicates + unit.events.length - fresh.length;
    stats.skippedUnhandled += unit.skipped;
    if (unit.skippedTypes !== undefined) addSkippedTypes(stats, unit.skippedTypes);
    stats.deadLettered += unit.letters.length;
    stats.batches++;
    for (const d of unit.letters) this.o.log.warn('dead-lettered', { topic: d.msg.topic, partition: d.msg.partition, offset: d.msg.offset, group: d.group, projection: d.projection, event_type: d.eventType, reason: d.reason });
    // `known` is the map the positions were read into; if a rebalance dropped the cache
    // meanwhile, the next batch reads the database again.
    for (const [k, span] of spans(messages)) known.set(k, span.next);
  }

  private async write(tx: Tx, messages: RawMessage[], unit: Unit, hooks: ProcessorHooks, known: Map<string, number>): Promise<Prepared[]> {
    const { sink, routes } = this.o;
    const at = sqlNow();
    const fresh = await claimIds(tx, sink, routes, unit.events, at);
    // Set on every attempt: a retried transaction replaces what a rolled-back one recorded.
    const written = this.o.observer !== undefined ? new Map<string, number>() : undefined;
    unit.written = written;
    if (unit.letters.length > 0) await this.o.deadLetters.write(tx, sink, unit.letters);
    const rows = fresh.flatMap((p) => p.rows);
    let noop = 0;
    let stale = 0;
    let noopBy: Map<string, number> | undefined;
    let handlers: ((row: RowChange) => string) | undefined;
    for (const round of fold(rows)) {
      for (const group of round) {
        const parts = sink.maxStatementBytes === undefined ? [group] : splitByBytes(group, sink.maxStatementBytes);
        for (const part of parts) {
          let affected = 0;
          const counted = matchesOne(part.rows[0]);
          const statements = sink.changes.build(part);
          // One statement per change (SQLite; a change alone): which ones changed nothing is known.
          const perRow = counted && statements.length === part.rows.length;
          let zero: number[] | undefined;
          for (let i = 0; i < statements.length; i++) {
            const n = await tx.exec(statements[i] as Statement);
            affected += n;
            if (perRow && n === 0) (zero ??= []).push(i);
            this.o.stats.statements++;
          }
          if (counted && affected < part.rows.length) {
            // The rare case: only now are the no-ops' rows read back and their handlers looked up.
            noop += part.rows.length - affected;
            handlers ??= handlerLookup(fresh);
            stale += await explainNoops(tx, sink.dialect, part.rows, part.rows.length - affected, zero, handlers, (noopBy ??= new Map()));
          }
        }
        const first = group.rows[0];
        if (written !== undefined && first !== undefined) written.set(rowsKey(first.table, first.kind), (written.get(rowsKey(first.table, first.kind)) ?? 0) + group.rows.length);
      }
      await hooks.heartbeat?.();
    }
    unit.noop = noop;
    unit.noopStale = stale;
    unit.noopBy = noopBy;
    // Set on every attempt, like `written`: only the committed attempt's callbacks run.
    unit.after = [];
    for (const [i, effect] of (this.o.effects ?? []).entries()) {
      const done = await effect.write(tx, fresh.map((p) => ({ event: p.event, prepared: p.effects[i] })), at);
      if (done !== undefined) unit.after.push(done);
    }
    // Each position moves from the value this processor read, or is inserted where it read none:
    // if the row is not what the cache says, the whole unit rolls back (PositionsChangedError).
    await movePositions(tx, sink.engine, this.posGroup, messages, known, at);
    await hooks.inTransaction?.(tx, at);
    return fresh;
  }
}

/**
 * Row changes whose statement matches at most one row each (a `where` is a key or a unique key),
 * so the rows a statement carries minus the rows it affected are the changes that found no row:
 * updates and deletes whose row is missing or, on a guarded table, holds a version as new or
 * newer. Both dialects report matched rows here (SQLite's changes(); mysql2 connects with
 * CLIENT_FOUND_ROWS, so an UPDATE that matches a row without changing a value still counts it).
 * Inserts and create_missing increments always leave a row, and MariaDB counts 2 per updated
 * duplicate: they are not measured.
 */
function matchesOne(row: RowChange | undefined): boolean {
  return row !== undefined && (row.kind === 'delete' || (row.kind === 'update' && !row.upsert));
}

/**
 * The handler (event type, or DEFAULT_ROUTE) whose operation made a row change, for naming
 * no-ops. Folded changes of one row are merged objects, so they are found by the row's identity;
 * the last event's wins. Built only when a batch has no-ops.
 */
function handlerLookup(events: Prepared[]): (row: RowChange) => string {
  const byRow = new Map<string, string>();
  for (const p of events) {
    const handler = p.handlers.some((h) => h.default !== true) ? p.event.type ?? DEFAULT_ROUTE : DEFAULT_ROUTE;
    for (const r of p.rows) if (r.kind !== 'insert') byRow.set(`${r.kind}\u0000${rowIdentity(r)}`, handler);
  }
  return (row) => byRow.get(`${row.kind}\u0000${rowIdentity(row)}`) ?? DEFAULT_ROUTE;
}

/** Events per projection (an event two projections handle counts for each). */
function byProjection(events: Prepared[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const p of events) for (const h of p.handlers) out.set(h.projection, (out.get(h.projection) ?? 0) + 1);
  return out;
}

/** Dead letters per projection ("" when no projection was chosen: undecodable, unhandled). */
function lettersByProjection(letters: DeadLetter[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const d of letters) for (const p of (d.projection ?? '').split(',')) out.set(p, (out.get(p) ?? 0) + 1);
  return out;
}

/** `topic/partition offsets first–last`, per partition, for error messages and logs. */
function describe(messages: RawMessage[]): string {
  const ranges = new Map<string, [number, number]>();
  for (const m of messages) {
    const k = `${m.topic}/${m.partition}`;
    const r = ranges.get(k);
    if (r === undefined) ranges.set(k, [m.offset, m.offset]);
    else r[1] = Math.max(r[1], m.offset);
  }
  return [...ranges].map(([k, [a, b]]) => (a === b ? `${k} offset ${a}` : `${k} offsets ${a}–${b}`)).join(', ');
}
