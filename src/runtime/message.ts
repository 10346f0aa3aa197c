/**
 * A message as any source delivers it, and its decoding into an event. A message that cannot be
 * decoded is a BadMessage with a reason: it goes to the dead-letter sink, never silently away.
 */
import { EVENT_ID_LENGTH } from '../sql/engine-tables.js';
import { compilePath } from '../compile/accessor.js';
import type { EnvelopePaths } from '../compile/plan.js';

export interface RawMessage {
  topic: string;
  partition: number;
  offset: number;
  key: Buffer | null;
  value: Buffer | null;
  /** Milliseconds since the epoch, when the source knows it. */
  timestamp?: number;
  /** Set by a source that could not even read the message (a broken NDJSON line): the reason. */
  invalid?: string;
}

export interface DecodedEvent {
  msg: RawMessage;
  value: Record<string, unknown>;
  type: string;
  id: string;
}

export interface BadMessage {
  msg: RawMessage;
  reason: string;
}

export type Decoder = (msg: RawMessage) => DecodedEvent | BadMessage;

export function isBad(x: DecodedEvent | BadMessage): x is BadMessage {
  return 'reason' in x;
}

/** Build the decoder of one envelope: the paths are compiled once. */
export function envelopeDecoder(envelope: EnvelopePaths): Decoder {
  const typeOf = compilePath(envelope.type).get;
  const idOf = compilePath(envelope.id).get;
  return (msg) => {
    if (msg.invalid !== undefined) return { msg, reason: msg.invalid };
    if (msg.value === null || msg.value.length === 0) return { msg, reason: 'empty message value (tombstone or no bytes)' };
    let value: unknown;
    try {
      value = JSON.parse(msg.value.toString('utf8'));
    } catch (e) {
      return { msg, reason: `value is not JSON: ${e instanceof Error ? e.message : String(e)}` };
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      return { msg, reason: `value is JSON but not an object (got ${value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value})` };
    }
    const obj = value as Record<string, unknown>;
    const type = typeOf(obj);
    if (typeof type !== 'string' || type === '') return { msg, reason: `missing event type at ${envelope.type}` };
    const id = idOf(obj);
    if ((typeof id !== 'string' || id === '') && typeof id !== 'number') return { msg, reason: `missing event id at ${envelope.id}` };
    const text = String(id);
    // Longer ids could not be recorded as processed exactly (the column holds EVENT_ID_LENGTH).
    if (text.length > EVENT_ID_LENGTH && [...text].length > EVENT_ID_LENGTH) return { msg, reason: `event id at ${envelope.id} is longer than ${EVENT_ID_LENGTH} characters` };
    return { msg, value: obj, type, id: text };
  };
}
