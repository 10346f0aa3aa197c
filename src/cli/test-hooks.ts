/**
 * TEST-ONLY hooks, never set them in production. The one place that reads them from the
 * environment: the crash integration tests run the real bin as a child process with these set,
 * and the commands pass the hooks down through the runtime's options (runtime/test-hooks.ts).
 *
 * - `SC_TEST_CRASH_AFTER_DB_COMMIT=<n>` kills the process with SIGKILL (no cleanup, like a power
 *   cut of the process) right after the n-th Kafka batch of the process has committed its
 *   database transaction and before its offsets are committed to Kafka.
 *   test/integration/crash.int.test.ts uses it to prove that a crash in exactly that window causes
 *   no double effects on restart.
 * - `SC_TEST_CRASH_AFTER_HTTP_SEND=<n>` kills the process with SIGKILL right after the n-th batch
 *   of the process was answered 2xx and before that is recorded, the window where a crash makes a
 *   resend necessary. test/integration/http-output uses it to prove the same batch (id and bytes)
 *   is sent again on restart.
 * - `SC_TEST_CRASH_IN_SWAP=locked|renamed` kills the process with SIGKILL inside a MariaDB swap
 *   (see TestHooks.inSwap). test/integration/rebuild-live.int.test.ts resumes the rebuild after each.
 * - `SC_TEST_CRASH_AFTER_REPLAY_CHUNK=<n>` kills `dead-letters replay` with SIGKILL right after its
 *   n-th chunk committed. test/integration/issue-23-dead-letters.int.test.ts runs it again after.
 */
import type { Logger } from '../runtime/ops/log.js';
import { NO_TEST_HOOKS, type TestHooks } from '../runtime/test-hooks.js';

export function testHooksFromEnv(env: NodeJS.ProcessEnv): TestHooks {
  const afterDbCommit = Number(env.SC_TEST_CRASH_AFTER_DB_COMMIT ?? 0);
  const afterHttpSend = Number(env.SC_TEST_CRASH_AFTER_HTTP_SEND ?? 0);
  const inSwap = env.SC_TEST_CRASH_IN_SWAP;
  const afterReplayChunk = Number(env.SC_TEST_CRASH_AFTER_REPLAY_CHUNK ?? 0);
  if (!(afterDbCommit > 0) && !(afterHttpSend > 0) && inSwap === undefined && !(afterReplayChunk > 0)) return NO_TEST_HOOKS;
  // Counted over the whole process (every group, and a reload's new consumers), as the tests expect.
  let batchesCommittedToDb = 0;
  let sendsAnswered = 0;
  let replayChunks = 0;
  return {
    afterDbCommit(log) {
      if (!(afterDbCommit > 0)) return;
      batchesCommittedToDb++;
      if (batchesCommittedToDb < afterDbCommit) return;
      kill(log, 'SC_TEST_CRASH_AFTER_DB_COMMIT: killing the process between the database commit and the Kafka commit', { batches: batchesCommittedToDb });
    },
    afterHttpSend(log) {
      if (!(afterHttpSend > 0)) return;
      sendsAnswered++;
      if (sendsAnswered < afterHttpSend) return;
      kill(log, 'SC_TEST_CRASH_AFTER_HTTP_SEND: killing the process between the send and its bookkeeping', { sends: sendsAnswered });
    },
    afterReplayChunk(log) {
      if (!(afterReplayChunk > 0)) return;
      replayChunks++;
      if (replayChunks < afterReplayChunk) return;
      kill(log, 'SC_TEST_CRASH_AFTER_REPLAY_CHUNK: killing the replay after a committed chunk', { chunks: replayChunks });
    },
    inSwap(phase, log) {
      if (inSwap !== phase) return;
      kill(log, 'SC_TEST_CRASH_IN_SWAP: killing the process inside the swap', { phase });
    },
  };
}

function kill(log: Logger, msg: string, fields: Record<string, unknown>): void {
  log.warn(msg, fields);
  process.kill(process.pid, 'SIGKILL');
}
