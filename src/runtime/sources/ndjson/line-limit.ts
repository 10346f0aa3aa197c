/**
 * The default bound of an NDJSON line (`--max-line-bytes`), apart from the reader so that the
 * CLI can show it in its help without loading the file source (and cli-progress, lossless-json)
 * for every command.
 */

/** A line longer than this is a dead letter unless the run raises it (`--max-line-bytes`). */
export const DEFAULT_MAX_LINE_BYTES = 16 * 1024 * 1024;
