/**
 * Points where the crash tests kill the process, injected through the runtime's options so that
 * no production module reads the environment for them. The library default does nothing; only
 * the CLI (src/cli/test-hooks.ts, the process boundary) builds hooks that act, from SC_TEST_*
 * variables, because the crash tests run the real bin as a child process.
 */
import type { Logger } from './ops/log.js';

/** Where in a MariaDB swap `inSwap` is called. */
export type SwapPhase = 'locked' | 'renamed';

export interface TestHooks {
  /** A Kafka batch's database transaction committed; its offsets are not committed to Kafka yet. */
  afterDbCommit(log: Logger): void;
  /** An HTTP output's batch was answered 2xx; that is not recorded yet. */
  afterHttpSend(log: Logger): void;
  /**
   * Inside a MariaDB swap: `locked` once the live group's locks are held and the state says
   * swapping, `renamed` right after the RENAME, before its bookkeeping (fingerprint, state).
   */
  inSwap(phase: SwapPhase, log: Logger): void;
  /** A chunk of a dead-letter replay committed (its letters applied and marked); the next is not read yet. */
  afterReplayChunk(log: Logger): void;
}

/** Hooks that do nothing: what a runtime, a rebuild or an output uses unless given others. */
export const NO_TEST_HOOKS: TestHooks = Object.freeze({
  afterDbCommit: () => undefined,
  afterHttpSend: () => undefined,
  inSwap: () => undefined,
  afterReplayChunk: () => undefined,
});
