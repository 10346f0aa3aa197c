/**
 * The per-event work of a unit, before its transaction (pure: no driver, no sink, no I/O):
 * decode each message, route it, evaluate its handlers' operations into row changes and its
 * effects' parts, and sort out what goes to the dead letters (undecodable, unhandled under
 * `unhandled: dlq`, no id, an evaluation error, a change too large for one statement) or is
 * skipped (unhandled) or dropped (a duplicate id within the unit).
 */
import { rowBytes } from '../../sql/fold.js';
import type { RowChange } from '../../sql/rows.js';
import type { DeadLetter } from '../outputs/dead-letters/sink.js';
import type { Logger } from '../ops/log.js';
import { FatalError } from '../commit/errors.js';
import { EventError } from './event-error.js';
import { isBad, type DecodedEvent, type RawMessage } from './message.js';
import { DEFAULT_ROUTE, TOMBSTONE_ROUTE, type GroupRoutes, type Handler } from './routes.js';

export interface PreparedEvent {
  event: DecodedEvent;
  handlers: Handler[];
  rows: RowChange[];
  /** Operations left out under on_missing: skip. */
  missed: number;
  /** What each of the effects prepared for the event, by position. */
  effects: unknown[];
}

export interface PreparedUnit {
  events: PreparedEvent[];
  letters: DeadLetter[];
  /** Counted only when the unit commits, so a split or a retry never counts twice. */
  skipped: number;
  /** `skipped` by raw event type (created at the first skip). */
  skippedTypes?: Map<string | undefined, number>;
  duplicates: number;
}

export interface PrepareOptions {
  routes: GroupRoutes;
  /** The group name dead letters carry (the positions' group: ProcessorOptions.positionsGroup). */
  letterGroup: string;
  /** The per-event part of the processor's effects (BatchEffect.prepare), in their sequence. */
  effects: ReadonlyArray<{ prepare(event: DecodedEvent): unknown }>;
  /** The sink's statement limit (Sink.maxStatementBytes), fixed when it opened. */
  maxStatementBytes: number | undefined;
  log: Logger;
}

/** Unexpected evaluation errors in a row, with no good event between, after which a group stops. */
const MAX_UNEXPECTED_IN_A_ROW = 100;

export class EventPreparer {
  /** Events in a row whose evaluation threw something other than an EventError or a RangeError. */
  private unexpectedInARow = 0;

  constructor(private readonly o: PrepareOptions) {}

  /** `forced`: the reason to dead-letter every routed message (the database refused it alone). */
  prepare(messages: RawMessage[], forced: string | undefined): PreparedUnit {
    const unit: PreparedUnit = { events: [], letters: [], skipped: 0, duplicates: 0 };
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

  private prepareOne(msg: RawMessage, forced: string | undefined, unit: PreparedUnit, seen: Set<string>, now: string): void {
    const { routes, letterGroup } = this.o;
    const decoded = routes.decode(msg);
    if (isBad(decoded)) {
      unit.letters.push({ msg, group: letterGroup, projection: null, eventType: null, reason: decoded.reason });
      return;
    }
    const type = decoded.tombstone ? TOMBSTONE_ROUTE : decoded.type ?? null;
    const handlers = decoded.tombstone ? routes.tombstone(msg.topic) : routes.route(msg.topic, decoded.type);
    if (handlers === undefined && decoded.tombstone) {
      // Routine on a compacted topic, not poison: counted under its own name, never a dead letter.
      this.skip(unit, TOMBSTONE_ROUTE);
      return;
    }
    if (handlers === undefined) {
      // No usable type and no default route: the envelope is broken, never skipped silently.
      if (decoded.untyped !== undefined) unit.letters.push({ msg, group: letterGroup, projection: null, eventType: null, reason: decoded.untyped });
      else if (routes.unhandledToDlq(msg.topic)) unit.letters.push({ msg, group: letterGroup, projection: null, eventType: type, reason: `no projection handles event type ${type}` });
      else this.skip(unit, decoded.type);
      return;
    }
    // Only default routes take an event without an id (its exactly-once rests on the positions).
    if (decoded.noId !== undefined && handlers.some((h) => !h.default)) {
      unit.letters.push({ msg, group: letterGroup, projection: null, eventType: type, reason: decoded.noId });
      return;
    }
    if (forced !== undefined) {
      unit.letters.push({ msg, group: letterGroup, projection: handlers.map((h) => h.projection).join(','), eventType: type, reason: forced });
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
    const meta = { msg, typeText: decoded.typeText, now, key: decoded.key };
    let missed = 0;
    let current: Handler | undefined;
    let effects: unknown[];
    try {
      for (const h of handlers) {
        current = h;
        const paths = h.extract(decoded.value);
        for (const op of h.ops) missed += op(decoded.value, rows, paths, meta);
      }
      effects = this.o.effects.map((e) => e.prepare(decoded));
    } catch (e) {
      if (e instanceof EventError) {
        unit.letters.push({ msg, group: letterGroup, projection: e.projection, eventType: e.eventType, reason: e.message });
        return;
      }
      throw Object.assign(e instanceof Error ? e : new Error(String(e)), { scProjection: current?.projection, scEventType: current?.default === true ? DEFAULT_ROUTE : type ?? undefined });
    }
    const limit = this.o.maxStatementBytes;
    if (limit !== undefined) {
      // A row change that alone exceeds the statement limit can never be written: the event's
      // fault (the server would drop the connection on it, which looks like an outage).
      const big = rows.find((r) => rowBytes(r) > limit);
      if (big !== undefined) {
        unit.letters.push({ msg, group: letterGroup, projection: handlers.map((h) => h.projection).join(","), eventType: type ?? null, reason: `the event's change of table ${big.table} takes about ${rowBytes(big)} bytes, more than the database accepts in one statement (${limit} bytes under max_allowed_packet)` });
        return;
      }
    }
    this.unexpectedInARow = 0;
    unit.events.push({ event: decoded, handlers, rows, missed, effects });
  }

  private skip(unit: PreparedUnit, type: string | undefined): void {
    unit.skipped++;
    const types = (unit.skippedTypes ??= new Map());
    types.set(type, (types.get(type) ?? 0) + 1);
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
    const { routes, log, letterGroup } = this.o;
    const err = e instanceof Error ? e : new Error(String(e));
    const { scProjection, scEventType } = err as { scProjection?: string; scEventType?: string };
    const where = { topic: msg.topic, partition: msg.partition, offset: msg.offset, group: routes.group, projection: scProjection ?? null, event_type: scEventType ?? null };
    let reason: string;
    if (err instanceof RangeError) {
      reason = /call stack/i.test(err.message) ? `event is nested too deeply to evaluate (${err.message})` : `event is too large to evaluate (${err.message})`;
    } else {
      this.unexpectedInARow++;
      log.error('unexpected error evaluating an event (dead-lettered)', { ...where, error: err.message, stack: err.stack ?? '' });
      if (this.unexpectedInARow >= MAX_UNEXPECTED_IN_A_ROW) {
        throw new FatalError(`group ${routes.group}: ${this.unexpectedInARow} events in a row failed with unexpected errors (an engine bug?), last at ${msg.topic}/${msg.partition} offset ${msg.offset}: ${err.message}`, err);
      }
      reason = `unexpected error evaluating the event: ${err.message}`;
    }
    return { msg, group: letterGroup, projection: scProjection ?? null, eventType: scEventType ?? null, reason };
  }
}
