/**
 * Progress of long one-off work (a file run, a replay, a rebuild): a bar on a terminal (done of
 * total, rate, ETA) drawn by cli-progress, and periodic plain log lines anywhere else (a CI job,
 * a container log), where a redrawn bar would be noise.
 *
 *     const p = createProgress({ label: 'replay', total: 1_000_000, log });
 *     p.advance(batch.length);   // cheap: a counter; drawing is throttled
 *     p.finish();
 */
import cliProgress from 'cli-progress';
import type { Logger } from './log.js';

export interface ProgressOptions {
  /** What is being done ("file", "replay orders_v2"); shown first on the bar and on every line. */
  label: string;
  /** Units expected in all, when known (a bar without a total shows the count and rate only). */
  total?: number;
  /** Name of a unit in plain lines (default "messages"). */
  unit?: string;
  /** Where plain lines go (and the final line on a TTY). Without one, plain lines are not written. */
  log?: Logger;
  /** The terminal for the bar (default process.stderr). */
  stream?: NodeJS.WriteStream;
  /** Draw a bar: default when the stream is a TTY and CI is not set. */
  tty?: boolean;
  /** Milliseconds between plain lines (default 10 s). */
  intervalMs?: number;
  /** Clock, for tests. */
  now?: () => number;
}

export interface Progress {
  /** `n` more units done. */
  advance(n: number): void;
  /** The total became known or changed. */
  setTotal(total: number): void;
  /** Done (or stopped): remove the bar, write one last line. */
  finish(): void;
  /** Units done so far. */
  readonly done: number;
}

export interface ProgressFigures {
  done: number;
  total?: number;
  /** 0–100, when the total is known. */
  percent?: number;
  /** Units per second since the start. */
  rate: number;
  /** Seconds left at the rate so far, when the total is known and the rate is not 0. */
  etaS?: number;
  elapsedS: number;
}

/** The figures of a progress line: pure, so the arithmetic is tested without a clock. */
export function progressFigures(done: number, total: number | undefined, elapsedMs: number): ProgressFigures {
  const elapsedS = Math.max(0, elapsedMs) / 1000;
  const rate = elapsedS > 0 ? done / elapsedS : 0;
  const out: ProgressFigures = { done, rate, elapsedS };
  if (total !== undefined && total > 0) {
    out.total = total;
    out.percent = Math.min(100, (done / total) * 100);
    if (rate > 0) out.etaS = Math.max(0, (total - done) / rate);
  }
  return out;
}

/** "1h02m", "4m05s", "12s". */
export function formatSeconds(s: number): string {
  const t = Math.round(s);
  if (t >= 3600) return `${Math.floor(t / 3600)}h${String(Math.floor((t % 3600) / 60)).padStart(2, '0')}m`;
  if (t >= 60) return `${Math.floor(t / 60)}m${String(t % 60).padStart(2, '0')}s`;
  return `${t}s`;
}

/** Log fields of a plain progress line. */
export function progressFields(f: ProgressFigures): Record<string, unknown> {
  return {
    done: f.done,
    ...(f.total !== undefined ? { total: f.total, percent: Math.round((f.percent ?? 0) * 10) / 10 } : {}),
    per_s: Math.round(f.rate),
    ...(f.etaS !== undefined ? { eta: formatSeconds(f.etaS) } : {}),
    elapsed: formatSeconds(f.elapsedS),
  };
}

export function createProgress(o: ProgressOptions): Progress {
  const now = o.now ?? (() => Date.now());
  const stream = o.stream ?? process.stderr;
  const tty = o.tty ?? (stream.isTTY === true && !process.env.CI);
  const started = now();
  let total = o.total;
  let done = 0;
  let finished = false;
  const unit = o.unit ?? 'messages';
  const line = (msg: string) => o.log?.info(msg, { what: o.label, unit, ...progressFields(progressFigures(done, total, now() - started)) });

  if (tty) {
    const bar = new cliProgress.SingleBar({
      format: total !== undefined ? `${o.label} [{bar}] {percentage}% | {value}/{total} | {rate}/s | ETA {eta_formatted}` : `${o.label} {value} ${unit} | {rate}/s | {duration_formatted}`,
      stream,
      fps: 5,
      hideCursor: true,
      clearOnComplete: true,
      etaBuffer: 50,
    }, cliProgress.Presets.shades_classic);
    bar.start(total ?? 0, 0, { rate: 0 });
    return {
      get done() { return done; },
      advance(n) {
        if (finished) return;
        done += n;
        bar.update(done, { rate: Math.round(progressFigures(done, total, now() - started).rate) });
      },
      setTotal(t) {
        total = t;
        bar.setTotal(t);
      },
      finish() {
        if (finished) return;
        finished = true;
        bar.stop();
        line('progress done');
      },
    };
  }

  const intervalMs = o.intervalMs ?? 10_000;
  // A timer rather than a check in advance(): a line is written even while one batch takes long.
  const timer = o.log !== undefined && intervalMs > 0 ? setInterval(() => line('progress'), intervalMs) : undefined;
  timer?.unref();
  return {
    get done() { return done; },
    advance(n) { if (!finished) done += n; },
    setTotal(t) { total = t; },
    finish() {
      if (finished) return;
      finished = true;
      if (timer !== undefined) clearInterval(timer);
      line('progress done');
    },
  };
}

/** Lines of a file, counted by its newline bytes (fast: no decoding), for a file run's total. */
export async function countLines(path: string): Promise<number> {
  const { createReadStream } = await import('node:fs');
  let n = 0;
  let last = 0x0a;
  for await (const chunk of createReadStream(path) as AsyncIterable<Buffer>) {
    let i = chunk.indexOf(0x0a);
    while (i !== -1) {
      n++;
      i = chunk.indexOf(0x0a, i + 1);
    }
    if (chunk.length > 0) last = chunk[chunk.length - 1] as number;
  }
  return last === 0x0a ? n : n + 1;
}
