/**
 * HTTP outputs under `sc-project test`: a transport that records every body and answers 200 (no
 * network), and a clock that starts at TEST_EPOCH and moves one second a flush and by every
 * wait, so batch ids and timestamps are the same on every run.
 */
import { deepEqual } from '../compile/evaluate.js';
import type { Clock, Transport } from '../runtime/outputs/http/index.js';
import type { TableDiff } from './compare.js';

export const TEST_EPOCH = Date.UTC(2026, 0, 1, 0, 0, 0);

export interface Recorder {
  transport: Transport;
  clock: Clock & { tick(ms: number): void };
  /** Output → the bodies sent, parsed, as sent. */
  sent: Map<string, unknown[]>;
}

export function recorder(): Recorder {
  let now = TEST_EPOCH;
  const sent = new Map<string, unknown[]>();
  return {
    sent,
    transport: async (req) => {
      sent.set(req.output, [...(sent.get(req.output) ?? []), JSON.parse(req.body) as unknown]);
      return { status: 200, retryAfter: null, excerpt: '' };
    },
    clock: {
      now: () => now,
      sleep: async (ms) => {
        now += ms;
        return true;
      },
      tick: (ms) => {
        now += ms;
      },
    },
  };
}

/** Each expected body, one by one, against the sent one: every field it lists must be deeply equal. */
export function compareSent(expected: Record<string, Array<Record<string, unknown>>>, sent: Map<string, unknown[]>): TableDiff[] {
  const diffs: TableDiff[] = [];
  for (const [output, bodies] of Object.entries(expected)) {
    const actual = sent.get(output) ?? [];
    const problems: string[] = [];
    const missing: Array<Record<string, unknown>> = [];
    const unexpected: Array<Record<string, unknown>> = [];
    if (actual.length !== bodies.length) problems.push(`expected ${bodies.length} request(s), ${actual.length} sent`);
    bodies.forEach((want, i) => {
      const got = actual[i] as Record<string, unknown> | undefined;
      const wrong = got === undefined ? Object.keys(want) : Object.keys(want).filter((k) => !deepEqual(got[k], want[k]));
      if (wrong.length === 0) return;
      problems.push(`request ${i + 1}: ${got === undefined ? 'not sent' : `differs in ${wrong.join(', ')}`}`);
      missing.push(Object.fromEntries(wrong.map((k) => [k, want[k]])));
      if (got !== undefined) unexpected.push(Object.fromEntries(wrong.map((k) => [k, got[k]])));
    });
    for (const extra of actual.slice(bodies.length)) unexpected.push(extra as Record<string, unknown>);
    if (problems.length > 0) diffs.push({ table: `output ${output}`, problems, missing, unexpected });
  }
  return diffs;
}
