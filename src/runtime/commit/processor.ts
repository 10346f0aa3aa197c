/**
 * One consumer group's batch processor: messages in, one database transaction out. It does one
 * job: cut the messages into units, prepare each (apply/prepare.ts: decode, route, evaluate;
 * pure), write it in ONE transaction (commit/write.ts: event-id claims, dead letters, folded
 * row changes, effects, positions) and count what committed. Transient database errors retry the
 * unit with backoff (retrying.ts); a data error splits it in halves until the event at fault is
 * alone, and that event is dead-lettered (bisect.ts). The positions it knows are position-cache.ts.
 */
import { chunks } from '../../sql/fold.js';
import type { Sink, Tx } from '../sinks/sink.js';
import type { SpecWatch } from '../lifecycle/spec-watch.js';
import type { GroupRoutes } from '../apply/routes.js';
import type { DecodedEvent, RawMessage } from '../apply/message.js';
import { EventPreparer, type PreparedEvent } from '../apply/prepare.js';
import type { DeadLetter, DeadLetterSink } from '../outputs/dead-letters/index.js';
import type { Backoff } from './retry.js';
import { addSkippedTypes, recordCommit, type GroupStats } from '../ops/stats.js';
import { PositionsChangedError, StoppedError } from './errors.js';
import { bisect } from './bisect.js';
import { retrying, type RetryContext } from './retrying.js';
import { checkGaps, posKey, spans, unapplied } from './positions.js';
import { PositionCache } from './position-cache.js';
import { SwapGuard } from './swap-guard.js';
import { writeUnit, type WriteContext } from './write.js';
import type { Logger } from '../ops/log.js';
import type { BatchObserver } from '../ops/metrics.js';

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
  /**
   * The caller's own work in every unit's transaction, after the positions (a file run's source
   * record; a replay's marks): `unit` is the unit's messages and the ones dead-lettered in it.
   */
  inTransaction?: (tx: Tx, at: string, unit: { messages: RawMessage[]; letters: DeadLetter[] }) => Promise<void>;
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
  /**
   * Read and move positions (default true). A replay of dead letters sets false: its messages lie
   * below the live group's positions by nature, and moving them is the live group's alone; what
   * keeps a letter from applying twice is its replay mark, in the same transaction.
   */
  positions?: boolean;
}

export { StoppedError, PositionsChangedError, GapError, FatalError } from './errors.js';

export class GroupProcessor {
  /** The partition locks and the fingerprint check of every transaction (commit/swap-guard.ts). */
  private readonly swap: SwapGuard;
  /** Where the retry loop reports (commit/retrying.ts): once per processor, not per unit. */
  private readonly retry: RetryContext;
  /** The group's stored positions as far as this processor knows them (commit/position-cache.ts). */
  private readonly positions: PositionCache;
  /** Decode, route and evaluate (apply/prepare.ts). */
  private readonly preparer: EventPreparer;
  /** What writeUnit needs of this processor, built once. */
  private readonly writing: WriteContext;

  constructor(private readonly o: ProcessorOptions) {
    const posGroup = o.positionsGroup ?? o.routes.group;
    const effects = o.effects ?? [];
    this.swap = new SwapGuard({ group: o.routes.group, dialect: o.sink.dialect, ...(o.partitionLocks !== undefined ? { partitionLocks: o.partitionLocks } : {}), ...(o.specWatch !== undefined ? { specWatch: o.specWatch } : {}) });
    this.retry = { group: o.routes.group, log: o.log, stats: o.stats, ...(o.observer !== undefined ? { observer: o.observer } : {}), ...(o.backoff !== undefined ? { backoff: o.backoff } : {}) };
    this.positions = new PositionCache(o.sink, posGroup, this.retry, this.swap);
    this.preparer = new EventPreparer({ routes: o.routes, letterGroup: posGroup, effects, maxStatementBytes: o.sink.maxStatementBytes, log: o.log });
    this.writing = { sink: o.sink, routes: o.routes, deadLetters: o.deadLetters, effects, stats: o.stats, posGroup, positions: o.positions !== false, countRows: o.observer !== undefined };
  }

  /** The fingerprints this processor's transactions expect (ProcessorOptions.specWatch). */
  get specWatch(): SpecWatch | undefined {
    return this.o.specWatch;
  }

  /** Forget cached positions (after a rebalance another member may have moved them). */
  resetPositions(): void {
    this.positions.reset();
  }

  /** The first offset to apply of a partition that has no stored position yet. */
  setStart(topic: string, partition: number, offset: number): void {
    this.positions.setStart(topic, partition, offset);
  }

  /** Store a partition's position where none is (`--start-from latest`) or past a deleted gap (positions never move back). */
  initPosition(topic: string, partition: number, offset: number, hooks: ProcessorHooks = {}): Promise<void> {
    return this.positions.init(topic, partition, offset, hooks);
  }

  /** The stored next offset of every partition of the group. */
  storedPositions(hooks: ProcessorHooks = {}): Promise<Map<string, number>> {
    return this.positions.stored(hooks);
  }

  /** The next offset this processor knows committed for a partition, without a query. */
  knownPosition(topic: string, partition: number): number | undefined {
    return this.positions.known(topic, partition);
  }

  async positionOf(topic: string, partition: number, hooks: ProcessorHooks = {}): Promise<number | undefined> {
    return (await this.storedPositions(hooks)).get(posKey(topic, partition));
  }

  /** Apply messages (of any partitions, in delivery sequence) and commit them. */
  async process(messages: RawMessage[], hooks: ProcessorHooks = {}): Promise<void> {
    // Without positions (a replay) nothing is below a position: every message is applied.
    const stored = this.o.positions === false ? new Map<string, number>() : await this.storedPositions(hooks);
    // The database's position is the truth both ways: a batch that starts past it (Kafka's
    // committed offset ahead of a restored database, or a fetch that raced the seek) is refused.
    if (hooks.gapAllowed !== undefined) checkGaps(messages, stored, this.positions.starts, hooks.gapAllowed);
    // Offsets below the stored position were committed to the database before a crash or a
    // rebalance, even if Kafka's committed offset lags behind: skip them.
    const fresh = unapplied(messages, stored);
    this.o.stats.alreadyApplied += messages.length - fresh.length;
    // Registry formats: the schemas the batch names, fetched before it is decoded. A registry
    // that does not answer holds the batch here (retried, nothing applied or dead-lettered).
    if (this.o.routes.prefetch !== undefined && fresh.length > 0) await this.o.routes.prefetch(fresh, hooks);
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
      if (e instanceof PositionsChangedError) this.positions.drop();
      throw e;
    }
  }

  /**
   * One attempt of bisect.ts: prepare and commit the messages, or throw DataError. `forced` is
   * the reason to dead-letter the only message (the database refused it alone). `sent` holds the
   * messages already sent by an attempt that then failed (a dead-letter topic sends before the
   * transaction): a split never sends them twice.
   */
  private async commit(messages: RawMessage[], hooks: ProcessorHooks, forced: string | undefined, sent: Set<RawMessage>, known: Map<string, number>): Promise<void> {
    const unit = this.preparer.prepare(messages, forced);
    const { sink, deadLetters, stats } = this.o;
    const started = performance.now();
    const w = await retrying(this.retry, hooks, () => `commit of ${describe(messages)}`, async () => {
      if (unit.letters.length > 0) await deadLetters.send(unit.letters, sent);
      return sink.transaction((tx, start) => {
        this.swap.check(start);
        return writeUnit(tx, this.writing, messages, unit, hooks, known);
      }, this.swap.of(spans(messages).keys()));
    });
    const { fresh } = w;
    for (const f of w.after) f();
    const ms = performance.now() - started;
    recordCommit(stats, ms);
    stats.events += messages.length;
    // An event all of whose operations were missed changed nothing: it is missed, not applied.
    const applied = fresh.filter((p) => p.missed === 0 || p.rows.length > 0);
    this.o.observer?.committed(ms / 1000, messages.length, byProjection(applied), lettersByProjection(unit.letters), w.rows ?? new Map());
    stats.applied += applied.length;
    stats.missed += fresh.reduce((n, p) => n + p.missed, 0);
    stats.noop += w.noop;
    stats.noopStale += w.noopStale;
    if (w.noopBy !== undefined) for (const [k, n] of w.noopBy) stats.noopBy.set(k, (stats.noopBy.get(k) ?? 0) + n);
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
}

/** Events per projection (an event two projections handle counts for each). */
function byProjection(events: PreparedEvent[]): Map<string, number> {
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
