/**
 * The metrics of outputs other than SQL (HTTP), per output name: what each output counts itself
 * (read at scrape time) plus what it reports as it goes (OutputMetrics), in the runtime's registry.
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import { METRIC_NAMES } from './metric-names.js';

/**
 * What an output other than SQL (HTTP) reports, per request or batch, never per message:
 * `output` is the output's name in its spec (bounded: never a URL with ids in it).
 */
export interface OutputMetrics {
  /** A batch was delivered (acknowledged by the receiver): its messages and the bytes sent. */
  delivered(output: string, messages: number, bytes: number): void;
  /** A delivery failed and will be tried again. */
  retried(output: string): void;
  /** A delivery was given up on (dead-lettered or fatal). */
  failed(output: string): void;
}

/**
 * Counters an HTTP output keeps itself (read at scrape time; its stats object fits as it is).
 * Fields it does not keep read as 0.
 */
export interface OutputCounters {
  batchesSent?: number;
  recordsSent?: number;
  bytesSent?: number;
  retries?: number;
  batchesRejected?: number;
  buffered?: Record<string, number>;
  pendingRecords?: number;
}

type Pushed = Required<Pick<OutputCounters, 'batchesSent' | 'recordsSent' | 'bytesSent' | 'retries' | 'batchesRejected'>>;

/**
 * Register the output metrics; `own` reads the outputs' own counters by name. Returns where
 * outputs that do not keep counters report (added to what the others' counters say).
 */
export function registerOutputMetrics(registers: Registry[], own: () => Record<string, OutputCounters>): OutputMetrics {
  const pushed = new Map<string, Pushed>();
  const perOutput = (name: string, help: string, field: keyof Pushed) => new Counter({
    name, help, labelNames: ['output'], registers,
    collect() {
      this.reset();
      const counters = own();
      for (const output of new Set([...Object.keys(counters), ...pushed.keys()])) this.inc({ output }, (counters[output]?.[field] ?? 0) + (pushed.get(output)?.[field] ?? 0));
    },
  });
  perOutput(METRIC_NAMES.outputDeliveries, 'HTTP output batches delivered (acknowledged)', 'batchesSent');
  perOutput(METRIC_NAMES.outputMessages, 'Records in delivered HTTP output batches', 'recordsSent');
  perOutput(METRIC_NAMES.outputBytes, 'Bytes of request bodies of delivered HTTP output batches', 'bytesSent');
  perOutput(METRIC_NAMES.outputRetries, 'HTTP output deliveries that failed and are tried again', 'retries');
  perOutput(METRIC_NAMES.outputFailures, 'HTTP output batches given up on (rejected by the receiver)', 'batchesRejected');
  new Gauge({
    name: METRIC_NAMES.outputWaiting, help: 'Records of an HTTP output not delivered yet (buffered and in pending batches)', labelNames: ['output'], registers,
    collect() {
      this.reset();
      for (const [output, c] of Object.entries(own())) {
        this.set({ output }, Object.values(c.buffered ?? {}).reduce((a, n) => a + n, 0) + (c.pendingRecords ?? 0));
      }
    },
  });
  const pushedOf = (output: string): Pushed => {
    let p = pushed.get(output);
    if (p === undefined) {
      p = { batchesSent: 0, recordsSent: 0, bytesSent: 0, retries: 0, batchesRejected: 0 };
      pushed.set(output, p);
    }
    return p;
  };
  return {
    delivered: (output, messages, bytes) => {
      const p = pushedOf(output);
      p.batchesSent++;
      p.recordsSent += messages;
      p.bytesSent += bytes;
    },
    retried: (output) => { pushedOf(output).retries++; },
    failed: (output) => { pushedOf(output).batchesRejected++; },
  };
}
