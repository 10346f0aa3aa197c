/**
 * Dead letters to `<topic>.dlq`: the original key and bytes, the reason and source in headers,
 * sent before the transaction that moves past their messages (at least once: a crash in between
 * sends them again), never written to the database.
 */
import { redactUrls } from '../../../redact.js';
import { chunksBy } from '../../../sql/fold.js';
import { cutText, HEADER_MAX_BYTES, type DeadLetter, type DeadLetterSink } from './sink.js';

/**
 * What this needs of a producer: kafkajs' Producer has it (sources/kafka/client.ts creates one),
 * and a unit test passes an object of its own, so this module needs no Kafka.
 */
export interface LetterProducer {
  sendBatch(batch: { acks: number; topicMessages: Array<{ topic: string; messages: Letter[] }> }): Promise<unknown>;
}

/** kafkajs' header shape: a repeated name as a list, in sequence. */
export type LetterHeaders = Record<string, string | Buffer | Array<string | Buffer>>;

export interface Letter {
  key: Buffer | null;
  value: Buffer | null;
  headers: LetterHeaders;
}

/** The broker's default max.message.bytes (Kafka 3.x: 1 MiB plus the record batch overhead). */
export const DEFAULT_MAX_MESSAGE_BYTES = 1_048_588;
/** Room kept in a record batch for the record and batch headers around a letter's key and value. */
const LETTER_OVERHEAD = 4096;
/** Below this a letter keeps only its (bounded) headers: cutting further cannot help. */
const MIN_LETTER_LIMIT = 16_384;

export function dlqTopic(topic: string): string {
  return `${topic}.dlq`;
}

/**
 * The record's own headers, as they came (a replay reads them back as `$headers`), then ours,
 * `sc-*`: an original header of one of our names gives way to ours (the letter must say why).
 */
export function deadLetterHeaders(d: DeadLetter): LetterHeaders {
  const h: LetterHeaders = {};
  for (const [name, value] of d.msg.headers ?? []) {
    if (name.startsWith('sc-')) continue;
    const had = h[name];
    h[name] = had === undefined ? value : [...(Array.isArray(had) ? had : [had]), value];
  }
  // Secrets never leave in a header: a reason may quote a driver's message or the input.
  h['sc-reason'] = cutText(redactUrls(d.reason), HEADER_MAX_BYTES);
  h['sc-source-topic'] = d.msg.topic;
  h['sc-source-partition'] = String(d.msg.partition);
  h['sc-source-offset'] = String(d.msg.offset);
  h['sc-consumer-group'] = d.group;
  if (d.projection !== null) h['sc-projection'] = d.projection;
  if (d.eventType !== null) h['sc-event-type'] = cutText(redactUrls(d.eventType), HEADER_MAX_BYTES);
  return h;
}

/**
 * `limits` holds each DLQ topic's max.message.bytes. Header values are bounded (deadLetterHeaders);
 * a letter that would not fit is cut (its value first, then its key) and says so in `sc-value-cut`
 * / `sc-original-value-bytes`, so a send never fails on size and the group never stops on it;
 * letters are sent in record batches that fit too.
 */
export function kafkaDeadLetters(producer: LetterProducer, limits: ReadonlyMap<string, number> = new Map()): DeadLetterSink {
  return {
    async send(letters, sent) {
      const unsent = sent === undefined ? letters : letters.filter((d) => !sent.has(d.msg));
      if (unsent.length === 0) return;
      await sendLetters(producer, limits, unsent);
      if (sent !== undefined) for (const d of unsent) sent.add(d.msg);
    },
    // The letters left with send: the transaction has nothing to write.
    write: async () => undefined,
  };
}

async function sendLetters(producer: LetterProducer, limits: ReadonlyMap<string, number>, letters: DeadLetter[]): Promise<void> {
  const byTopic = new Map<string, Letter[]>();
  for (const d of letters) {
    const topic = dlqTopic(d.msg.topic);
    const list = byTopic.get(topic) ?? [];
    list.push({ key: d.msg.key, value: d.msg.value, headers: deadLetterHeaders(d) });
    byTopic.set(topic, list);
  }
  for (const [topic, originals] of byTopic) {
    const limit = limits.get(topic) ?? DEFAULT_MAX_MESSAGE_BYTES;
    const fitted = originals.map((o) => ({ original: o, letter: fitLetter(o.key, o.value, o.headers, limit) }));
    for (const part of chunksBy(fitted, (f) => letterBytes(f.letter), limit - LETTER_OVERHEAD)) await sendFitting(producer, topic, part, limit);
  }
}

/**
 * Send letters; one the broker still refuses as too large (a limit below the topic's, or our
 * estimate of the record's overhead short) is cut to half the size, again until it is taken:
 * a dead letter must never stop the group.
 */
async function sendFitting(producer: LetterProducer, topic: string, part: Array<{ original: Letter; letter: Letter }>, limit: number): Promise<void> {
  try {
    await producer.sendBatch({ acks: -1, topicMessages: [{ topic, messages: part.map((p) => p.letter) }] });
  } catch (e) {
    if (!isTooLarge(e)) throw e;
    if (part.length > 1) {
      for (const p of part) await sendFitting(producer, topic, [p], limit);
      return;
    }
    const one = part[0];
    if (one === undefined || limit <= MIN_LETTER_LIMIT) throw e;
    const smaller = Math.max(MIN_LETTER_LIMIT, Math.floor(Math.min(limit, letterBytes(one.letter)) / 2));
    const { key, value, headers } = one.original;
    await sendFitting(producer, topic, [{ original: one.original, letter: fitLetter(key, value, headers, smaller, `the broker refused the letter as too large; cut to ${smaller} bytes`) }], smaller);
  }
}

/** kafkajs' "larger than the max message size" refusals, also when wrapped by its retrier. */
function isTooLarge(e: unknown): boolean {
  for (let x = e, depth = 0; x !== null && typeof x === 'object' && depth < 5; x = (x as { cause?: unknown; originalError?: unknown }).cause ?? (x as { originalError?: unknown }).originalError, depth++) {
    const type = (x as { type?: unknown }).type;
    if (type === 'MESSAGE_TOO_LARGE' || type === 'RECORD_LIST_TOO_LARGE') return true;
  }
  return false;
}

function letterBytes(m: Letter): number {
  let n = (m.key?.length ?? 0) + (m.value?.length ?? 0) + 64;
  for (const [k, v] of Object.entries(m.headers)) {
    for (const one of Array.isArray(v) ? v : [v]) n += Buffer.byteLength(k) + Buffer.byteLength(one) + 8;
  }
  return n;
}

/** The letter as sent: cut to fit `limit` bytes when it would not, with the cut stated in headers. */
export function fitLetter(key: Buffer | null, value: Buffer | null, headers: LetterHeaders, limit: number, why = `the letter is larger than the dead-letter topic's max.message.bytes (${limit})`): Letter {
  const letter = { key, value, headers };
  const room = limit - LETTER_OVERHEAD;
  if (letterBytes(letter) <= room) return letter;
  const h = { ...headers };
  h['sc-original-value-bytes'] = String(value?.length ?? 0);
  if (key !== null) h['sc-original-key-bytes'] = String(key.length);
  h['sc-value-cut'] = 'true';
  const fixed = letterBytes({ key: null, value: null, headers: h }) + 64;
  const keyKept = key === null ? null : key.subarray(0, Math.max(0, Math.min(key.length, Math.floor((room - fixed) / 4))));
  const valueKept = value === null ? null : value.subarray(0, Math.max(0, room - fixed - (keyKept?.length ?? 0)));
  h['sc-value-cut'] = `kept the first ${valueKept?.length ?? 0} of ${value?.length ?? 0} value bytes${keyKept !== null && keyKept.length < (key?.length ?? 0) ? ` and ${keyKept.length} of ${key?.length ?? 0} key bytes` : ''}: ${why}`;
  return { key: keyKept, value: valueKept, headers: h };
}
