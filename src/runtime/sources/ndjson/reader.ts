/**
 * The embedded default's reader: NDJSON files (or standard input, `-`) read one after another as one
 * stream of lines, each line a message of partition 0 whose offset is its line number (from 0).
 * Several files are one stream, as if concatenated with each file's last line ended.
 *
 * The stream is read as bytes and cut at `\n` (line.ts makes the message); a line longer
 * than `maxLineBytes` is never held whole: it becomes a dead letter with its first bytes. As it
 * reads, the reader keeps a SHA-256 of the stream, so each batch carries the fingerprint of every
 * line up to its end (the source record, record.ts), and it checks the prefixes it was told
 * the stream must begin with as it passes them: a stream that does not is refused while reading,
 * before any of it could be applied, which works for standard input too. A read that blocks (a
 * pipe, `/proc/kmsg`) is raced against the stop signal, so a stop ends the run promptly.
 */
import { createHash } from 'node:crypto';
import { createReadStream, statSync } from 'node:fs';
import type { RawMessage } from '../../apply/message.js';
import { invalidLine, lineToMessage } from './line.js';
import { countLines } from '../../ops/progress.js';
import { DEFAULT_MAX_LINE_BYTES } from './line-limit.js';

export { INVALID_LINE_TOPIC, lineToMessage, wrappersToMessages } from './line.js';

export { DEFAULT_MAX_LINE_BYTES } from './line-limit.js';
/** Bytes of an over-long line kept in its dead letter. */
const HEAD_BYTES = 4096;
const EMPTY = Buffer.alloc(0);

/** The first `lines` lines of a stream: `bytes` long (each line with its `\n`), and their SHA-256. */
export interface Fingerprint {
  lines: number;
  bytes: number;
  sha256: string;
}

export interface SourceBatch {
  messages: RawMessage[];
  /** The stream's fingerprint through the last line read for this batch. */
  end: Fingerprint;
  /** Every expected prefix has been read and matched. */
  verified: boolean;
}

export interface ReadOptions {
  /** Messages per batch at most. */
  batch: number;
  maxLineBytes?: number;
  /** Prefixes the stream must begin with; SourceMismatchError when it does not. */
  expect?: Fingerprint[];
  /** Resolves when the run is asked to stop: a read that blocks is abandoned then. */
  stop?: Promise<unknown>;
  /** What `-` reads (default: process.stdin). */
  stdin?: NodeJS.ReadableStream;
}

/** The stream does not begin with an expected prefix: `found` says where it parted. */
export class SourceMismatchError extends Error {
  constructor(readonly expected: Fingerprint, readonly found: string) {
    super(`expected the first ${expected.lines} lines (${expected.bytes} bytes, sha256 ${expected.sha256.slice(0, 12)}…), found ${found}`);
  }
}

export async function* readSource(paths: string[], o: ReadOptions): AsyncGenerator<SourceBatch> {
  const max = o.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
  const hash = createHash('sha256');
  const pending = [...(o.expect ?? [])].sort((a, b) => a.bytes - b.bytes);
  let lines = 0;
  let bytes = 0;
  let batch: RawMessage[] = [];
  // The line being read, when it spans chunks (parts), or its first bytes once it is over-long.
  let parts: Buffer[] = [];
  let partBytes = 0;
  /** Every byte of the line being read, kept or not. */
  let lineBytes = 0;
  let overlong = false;
  const stopped = o.stop?.then(() => undefined);

  const endLine = (last: Buffer): void => {
    const offset = lines;
    const total = lineBytes + last.length;
    lines++;
    bytes += total + 1;
    if (overlong) {
      batch.push(invalidLine(Buffer.concat(parts), offset, `longer than the limit of ${max} bytes (--max-line-bytes): ${total} bytes; the dead letter keeps its first ${partBytes}`));
    } else {
      const line = parts.length === 0 ? last : Buffer.concat([...parts, last]);
      if (!isBlank(line)) batch.push(lineToMessage(line, offset));
    }
    parts = [];
    partBytes = 0;
    lineBytes = 0;
    overlong = false;
  };
  /** Part of a line that goes on in the next chunk: kept only up to the bound. */
  const keep = (piece: Buffer): void => {
    lineBytes += piece.length;
    if (overlong) return;
    if (partBytes + piece.length > max) {
      overlong = true;
      const head = Buffer.concat([...parts, piece]).subarray(0, Math.min(max, HEAD_BYTES));
      parts = [Buffer.from(head)];
      partBytes = head.length;
      return;
    }
    parts.push(piece);
    partBytes += piece.length;
  };
  const check = (): void => {
    while (pending.length > 0 && bytes >= (pending[0] as Fingerprint).bytes) {
      const e = pending.shift() as Fingerprint;
      if (bytes > e.bytes) throw new SourceMismatchError(e, `line ${lines} ending at byte ${bytes}`);
      const sha256 = hash.copy().digest('hex');
      if (lines !== e.lines || sha256 !== e.sha256) throw new SourceMismatchError(e, `${lines} lines with sha256 ${sha256.slice(0, 12)}…`);
    }
  };
  const cut = (): SourceBatch => {
    const out = { messages: batch, end: { lines, bytes, sha256: hash.copy().digest('hex') }, verified: pending.length === 0 };
    batch = [];
    return out;
  };

  for (const path of paths) {
    const stream = path === '-' ? (o.stdin ?? process.stdin) : createReadStream(path);
    const it = (stream as AsyncIterable<Buffer | string>)[Symbol.asyncIterator]();
    try {
      for (;;) {
        const next = it.next();
        const r = stopped === undefined ? await next : await Promise.race([next, stopped]);
        if (r === undefined) {
          next.catch(() => undefined);
          return;
        }
        if (r.done === true) break;
        const chunk = typeof r.value === 'string' ? Buffer.from(r.value, 'utf8') : r.value;
        // The hash takes the chunk in as few pieces as the batches and checks need.
        let hashed = 0;
        let pos = 0;
        for (let nl = chunk.indexOf(0x0a); nl !== -1; nl = chunk.indexOf(0x0a, pos)) {
          const piece = chunk.subarray(pos, nl);
          if (overlong || partBytes + piece.length > max) {
            keep(piece);
            endLine(EMPTY);
          } else endLine(piece);
          pos = nl + 1;
          if (pending.length > 0 && bytes >= (pending[0] as Fingerprint).bytes) {
            hash.update(chunk.subarray(hashed, pos));
            hashed = pos;
            check();
          }
          if (batch.length >= o.batch) {
            hash.update(chunk.subarray(hashed, pos));
            hashed = pos;
            yield cut();
          }
        }
        hash.update(chunk.subarray(hashed));
        if (pos < chunk.length) keep(chunk.subarray(pos));
      }
    } finally {
      (stream as NodeJS.ReadableStream & { destroy?: () => void }).destroy?.();
    }
    // A file's last line without `\n` ends with the file: hashed as if it had one, so appending
    // `\n` and more lines later continues the same stream.
    if (lineBytes > 0) {
      hash.update('\n');
      endLine(EMPTY);
      check();
    }
  }
  const short = pending[0];
  if (short !== undefined) throw new SourceMismatchError(short, `only ${lines} lines (${bytes} bytes)`);
  // Always a last batch, maybe empty: it tells the end's fingerprint and that every check passed.
  yield cut();
}

/** Blank lines (spaces, tabs, `\r`) are skipped but keep their line number. */
function isBlank(line: Buffer): boolean {
  for (const b of line) if (b !== 0x20 && b !== 0x09 && b !== 0x0d) return false;
  return true;
}

/** Lines in all the inputs, when they are regular files of known size (not stdin, a pipe or /proc). */
export async function countInput(paths: string[]): Promise<number | undefined> {
  let n = 0;
  for (const p of paths) {
    if (p === '-') return undefined;
    const st = statSync(p);
    if (!st.isFile() || st.size === 0) return undefined;
    n += await countLines(p);
  }
  return n;
}
