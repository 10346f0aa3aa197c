/** A rebuild's options, its report, and its error: the API that src/index.ts re-exports (through rebuild.ts). */
import type { Plan } from '../../compile/plan.js';
import type { TableRename } from '../../compile/shadow.js';
import type { Logger } from '../ops/log.js';
import type { AdviceContext } from '../ops/advice.js';
import type { TestHooks } from '../test-hooks.js';
import type { KafkaSecurity } from '../sources/kafka/security/options.js';

export interface RebuildOptions {
  /** Spec files or folders (the NEW specs), or give `plan`. */
  config?: string | string[];
  plan?: Plan;
  /** Projection names to rebuild (together: one swap). */
  projections: string[];
  databaseUrl: string;
  /** Kafka brokers (or `from`). */
  brokers?: string[];
  /** TLS and SASL for every Kafka client (sources/kafka/security/); absent: PLAINTEXT. */
  kafkaSecurity?: KafkaSecurity;
  clientId?: string;
  /** The embedded default: read the history from these NDJSON files (one stream, as `run --from`) instead of Kafka. */
  from?: string | string[];
  /** A file line longer than this is a dead letter (default 16 MiB, as `run`). */
  maxLineBytes?: number;
  /** Registry formats read schema id N from `<schemasDir>/N.avsc` (as `run --schemas`), not the registry. */
  schemasDir?: string;
  /** Rebuild although a partition's earliest offset is above 0 (history deleted by retention). */
  allowPartial?: boolean;
  /** Drop the `__old` tables right after the swap (and ones an earlier rebuild left). */
  dropOld?: boolean;
  /** Progress: a bar on a terminal, lines otherwise (default false). */
  progress?: boolean;
  logger?: Logger;
  sessionTimeoutMs?: number;
  concurrency?: number;
  maxBatch?: number;
  /**
   * Try the swap once the shadow is at most this many messages behind the live positions and no
   * longer gaining on them (default 2000), or at most 100 behind.
   */
  swapWithin?: number;
  /** How long a MariaDB swap may hold the live group's locks waiting for the shadow (default 10 s); then it lets go and tries again. */
  swapTimeoutMs?: number;
  /** How often the live positions are read (default 500 ms). */
  refreshMs?: number;
  /** Abort: the consumers stop, what committed stays committed, and the next run resumes. */
  signal?: AbortSignal;
  /** Test-only crash points (default: none): inside the swap, and the shadow consumers' commits. */
  testHooks?: TestHooks;
}

export interface RebuildReport {
  projections: string[];
  tables: TableRename[];
  /** True when an earlier, interrupted rebuild was carried on. */
  resumed: boolean;
  /** Messages the shadow read and of those the events it applied (this run). */
  events: number;
  applied: number;
  deadLettered: number;
  eventsPerS: number;
  buildMs: number;
  /** The live group's pause: locks taken (MariaDB) or the write transaction begun (SQLite) until released. */
  swapMs: number;
  swapAttempts: number;
  /** Live positions set to the shadow's (partitions the live group had not consumed). */
  movedPositions: number;
  droppedOld: string[];
}

/** Refused or failed with a message that says which projection, what, and what to do. */
export class RebuildError extends Error {}

/** What a command line printed by this rebuild must carry to run on the same source, specs and database. */
export function adviceOf(o: Pick<RebuildOptions, 'from' | 'config' | 'databaseUrl'>): AdviceContext {
  return { from: o.from, config: o.config, databaseUrl: o.databaseUrl };
}
