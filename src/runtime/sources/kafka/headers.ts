/**
 * kafkajs headers → the list a RawMessage carries. kafkajs folds a repeated name into an array
 * (as the record lists them), so repeats keep their sequence; names come as they first occur.
 */
import type { IHeaders, KafkaMessage } from 'kafkajs';
import type { MessageHeaders } from '../../../compile/evaluate.js';
import type { RawMessage } from '../../apply/message.js';

/** A fetched record as the pipeline sees it. */
export function rawMessage(topic: string, partition: number, m: KafkaMessage): RawMessage {
  const msg: RawMessage = { topic, partition, offset: Number(m.offset), key: m.key, value: m.value, timestamp: Number(m.timestamp) };
  const headers = headersOf(m.headers);
  if (headers !== undefined) msg.headers = headers;
  return msg;
}

/** Undefined when the record has none: most records, and then nothing is allocated. */
export function headersOf(h: IHeaders | undefined): MessageHeaders | undefined {
  if (h === undefined) return undefined;
  let out: Array<readonly [string, Buffer]> | undefined;
  for (const name in h) {
    const v = h[name];
    if (v === undefined) continue;
    out ??= [];
    for (const one of Array.isArray(v) ? v : [v]) out.push([name, typeof one === 'string' ? Buffer.from(one, 'utf8') : one]);
  }
  return out;
}
