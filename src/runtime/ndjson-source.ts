/**
 * The embedded default's source: an NDJSON file, one `{"topic","key","value"}` (or `value_raw`,
 * the value's bytes as a string) a line. Each line is a message of partition 0 whose offset is
 * its line number (from 0), so a second run of the same file finds every offset applied.
 */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import type { RawMessage } from './message.js';
import { mayHoldInexactNumber, rawJsonAt } from './json-text.js';

/** Topic of the dead letters made from lines that are not a message wrapper at all. */
export const INVALID_LINE_TOPIC = '_invalid_line';

export function lineToMessage(line: string, offset: number): RawMessage {
  const bad = (why: string): RawMessage => ({ topic: INVALID_LINE_TOPIC, partition: 0, offset, key: null, value: Buffer.from(line, 'utf8'), invalid: `line ${offset + 1}: ${why}` });
  let wrapper: unknown;
  try {
    wrapper = JSON.parse(line);
  } catch {
    return bad('line is not JSON');
  }
  if (wrapper === null || typeof wrapper !== 'object' || Array.isArray(wrapper)) return bad('line is not an object');
  const w = wrapper as Record<string, unknown>;
  if (typeof w.topic !== 'string' || w.topic === '') return bad('line has no topic');
  const key = w.key === undefined || w.key === null ? null : Buffer.from(String(w.key), 'utf8');
  let value: Buffer | null;
  if (typeof w.value_raw === 'string') value = Buffer.from(w.value_raw, 'utf8');
  else if ('value' in w) {
    if (w.value === null) value = null;
    else {
      // The wrapper was parsed; writing its value back out can still overflow the stack when it
      // nests thousands of levels deep. That line is the message's fault: a dead letter.
      try {
        value = Buffer.from(valueText(line, w.value), 'utf8');
      } catch (e) {
        return bad(`value cannot be re-encoded (${e instanceof Error ? e.message : String(e)})`);
      }
    }
  } else value = null;
  return { topic: w.topic, partition: 0, offset, key, value };
}

/**
 * The value's text. Re-serialised it would carry numbers as JSON.parse rounded them (an event id
 * 9007199254740993 would become …992), so a line that may hold such a number keeps its own text.
 */
function valueText(line: string, value: unknown): string {
  return (mayHoldInexactNumber(line) ? rawJsonAt(line, ['value']) : undefined) ?? JSON.stringify(value);
}

/** Batches of at most `size` messages from the file, in file sequence. */
export async function* readNdjson(path: string, size: number): AsyncGenerator<RawMessage[]> {
  const lines = createInterface({ input: createReadStream(path, 'utf8'), crlfDelay: Infinity });
  let batch: RawMessage[] = [];
  let n = -1;
  for await (const line of lines) {
    n++;
    if (line.trim() === '') continue;
    batch.push(lineToMessage(line, n));
    if (batch.length >= size) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length > 0) yield batch;
}

/** Messages from in-memory wrappers (the spec test runner's `given`). */
export function wrappersToMessages(lines: string[]): RawMessage[] {
  return lines.map((l, i) => lineToMessage(l, i));
}
