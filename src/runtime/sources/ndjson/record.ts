/**
 * Which input a group's stored positions belong to. A file's offsets are line numbers, so a
 * position means nothing without the lines it counted: a second file, or a file edited after it
 * ran, would find its first lines "already applied" and lose them. Each transaction of a file run
 * therefore records, beside the positions it moves, the fingerprint of the stream's lines up to the
 * batch it belongs to (`sc_sources`, engine-tables.ts). A later run must begin with those lines
 * (checked while reading, before anything is applied): a stream that continues the recorded one
 * (lines appended) resumes after it; any other is refused, never skipped. A named source
 * (`--source NAME`) keeps positions of its own under `group@NAME`.
 *
 * Kafka engines record no source: positions with no record are Kafka's (or an older file run's),
 * and a file run into them is refused, as a Kafka engine is refused a group a file run recorded.
 */
import type { Statement } from '../../../sql/statement.js';
import type { Sink, Tx } from '../../sinks/sink.js';
import type { Fingerprint } from './reader.js';

/** How a run names its input in messages: the files one after another, or standard input. */
export function describeInput(paths: string[]): string {
  return paths.map((p) => (p === '-' ? 'standard input' : p)).join(' + ');
}

/** Where a group's positions are stored: its own name, or `group@NAME` for a named source. */
export function positionsGroup(group: string, source: string | undefined): string {
  return source === undefined ? group : `${group}@${source}`;
}

/** A run's source name: letters, digits, `.`, `_`, `-`, at most 64 (the group column holds 128). */
export function sourceNameProblem(name: string): string | undefined {
  return /^[A-Za-z0-9._-]{1,64}$/u.test(name) ? undefined : `--source must be 1 to 64 letters, digits, '.', '_' or '-', got ${JSON.stringify(name)}`;
}

/** A file run or a Kafka engine would read positions that another kind of input wrote. */
export class SourceRefusedError extends Error {}

export interface StoredSource {
  /** The stored record of a file run, when there is one. */
  record?: Fingerprint;
  /** Positions stored for the group. */
  positions: number;
}

export async function storedSource(sink: Sink, group: string): Promise<StoredSource> {
  return sink.transaction(async (tx) => {
    const [r] = await tx.query(sink.engine.selectSource(group));
    const positions = (await tx.query(sink.engine.selectPositions(group))).length;
    return r === undefined ? { positions } : { positions, record: { lines: Number(r.lines), bytes: Number(r.bytes), sha256: String(r.sha256) } };
  });
}

/**
 * The prefix a file run into `group` must begin with (undefined: none is recorded, nothing
 * stored). Positions without a record were not written by a file run: refused.
 */
export function expectedPrefix(group: string, stored: StoredSource, input: string): Fingerprint | undefined {
  if (stored.record !== undefined) return stored.record;
  if (stored.positions === 0) return undefined;
  throw new SourceRefusedError(`group ${group}: its stored positions were not written by a file run: they are Kafka offsets (a Kafka engine uses this database and group) or were written before sc-project recorded file sources. A file's line numbers are not those offsets: reading ${input} into them would skip or repeat messages, so nothing was applied. Read the file as a source of its own with --source NAME (positions of its own; events already applied are still recognised by their ids), or use another database.`);
}

/** The refusal of a stream that does not begin with the recorded lines. */
export function mismatchMessage(group: string, input: string, detail: string, advice = RUN_ADVICE): string {
  return `group ${group}: ${input} does not continue the input its stored positions were recorded from (${detail}). Its first lines would count as already applied. ${advice}`;
}

const RUN_ADVICE = 'Nothing of it was applied. To apply it as other input, give it a source of its own: --source NAME (positions of its own; events already applied are still recognised by their ids). To continue the recorded input, give the recorded file(s) first and the new one after: --from OLD --from NEW.';

/** A Kafka engine's check, once per group at start: a file run's record means line numbers. */
export async function refuseFileRecord(sink: Sink, group: string): Promise<void> {
  let stored: StoredSource;
  try {
    stored = await storedSource(sink, group);
  } catch (e) {
    // No sc_sources table (the tables are not created by this run): nothing to compare.
    const err = e as { errno?: unknown; message?: unknown };
    if (err.errno === 1146 || /no such table/iu.test(String(err.message))) return;
    throw e;
  }
  if (stored.record === undefined) return;
  throw new SourceRefusedError(`group ${group}: its stored positions were written by a file run (--from, ${stored.record.lines} lines): they are line numbers, not Kafka offsets, and consuming Kafka from them would skip or repeat messages. Nothing was consumed. Run the Kafka engine on another database (or rebuild the group's projections there from Kafka); file runs into a database a Kafka engine uses need a source of their own (--source NAME).`);
}

/** The statement that records the stream's fingerprint through a batch, in that batch's transactions. */
export function recordStatement(sink: Sink, group: string, end: Fingerprint, at: string): Statement {
  return sink.engine.upsertSource({ group, kind: 'file', lines: end.lines, bytes: end.bytes, sha256: end.sha256, at });
}

/** The hook a file run gives the processor: the record written in each unit's transaction. */
export function recordIn(sink: Sink, group: string, end: Fingerprint): (tx: Tx, at: string) => Promise<void> {
  return async (tx, at) => { await tx.exec(recordStatement(sink, group, end, at)); };
}
