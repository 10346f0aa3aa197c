/**
 * Two ways to run the engine in a test: in this process (createRuntime, with a logger that keeps
 * the lines) or as a child process (`node bin/sc-project.js run`, JSON logs parsed), which a test
 * can kill -9. The child runs the built dist/, so build first (`npx tsc -p .`).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createRuntime, type Runtime, type RuntimeOptions } from '../../src/runtime/runtime.js';
import type { Logger } from '../../src/runtime/ops/log.js';
import { KAFKA_BROKERS } from './services.js';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const BIN = fileURLToPath(new URL('../../bin/sc-project.js', import.meta.url));

export interface LogLine {
  level: string;
  msg: string;
  [field: string]: unknown;
}

export function captureLogger(lines: LogLine[], echo = process.env.SC_IT_ECHO === '1'): Logger {
  const emit = (level: string) => (msg: string, fields: Record<string, unknown> = {}) => {
    const line = { level, msg, ...fields };
    lines.push(line);
    if (echo) process.stderr.write(`${JSON.stringify(line)}\n`);
  };
  return { info: emit('info'), warn: emit('warn'), error: emit('error') };
}

export interface InProcess {
  rt: Runtime;
  lines: LogLine[];
}

/** createRuntime + start with the test's brokers and a capturing logger. */
export async function startInProcess(o: Omit<RuntimeOptions, 'brokers' | 'logger'> & { brokers?: string[] }): Promise<InProcess> {
  const lines: LogLine[] = [];
  const rt = await createRuntime({ brokers: (KAFKA_BROKERS ?? '').split(','), statsInterval: 1, ...o, logger: captureLogger(lines) });
  await rt.start();
  return { rt, lines };
}

export interface Child {
  proc: ChildProcess;
  lines: LogLine[];
  /** stderr lines that are not JSON log lines (crashes, stack traces). */
  other: string[];
  stdout: string[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  alive(): boolean;
  /** The last stats line's fields (events, applied, retries...). */
  lastStats(): LogLine | undefined;
  kill(signal?: NodeJS.Signals): void;
  tail(n?: number): string;
}

export interface ChildOptions {
  config: string;
  databaseUrl: string;
  maxBatch?: number;
  extraArgs?: string[];
  env?: Record<string, string>;
}

export function spawnRun(o: ChildOptions): Child {
  if (!existsSync(new URL('../../dist/cli/main.js', import.meta.url))) throw new Error('dist/ is missing: run `npx tsc -p .` before the integration tests');
  const args = [
    BIN, 'run', '--config', o.config, '--database-url', o.databaseUrl, '--brokers', KAFKA_BROKERS ?? '',
    // A killed member holds its partitions for the session timeout: 10 s (the broker's minimum is
    // 6 s) instead of the default 30 s keeps the kill -9 tests short.
    '--log-format', 'json', '--stats-interval', '1', '--session-timeout', '10', ...(o.maxBatch !== undefined ? ['--max-batch', String(o.maxBatch)] : []), ...(o.extraArgs ?? []),
  ];
  const proc = spawn(process.execPath, args, { cwd: ROOT, env: { ...process.env, ...o.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: LogLine[] = [];
  const other: string[] = [];
  const stdout: string[] = [];
  let buffered = '';
  proc.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    buffered += chunk;
    const parts = buffered.split('\n');
    buffered = parts.pop() ?? '';
    for (const l of parts) {
      if (process.env.SC_IT_ECHO === '1') process.stderr.write(`[child ${proc.pid}] ${l}\n`);
      try {
        const parsed = JSON.parse(l) as LogLine;
        if (parsed !== null && typeof parsed === 'object' && typeof parsed.msg === 'string') { lines.push(parsed); continue; }
      } catch { /* not a log line */ }
      if (l.trim() !== '') other.push(l);
    }
  });
  proc.stdout?.setEncoding('utf8').on('data', (chunk: string) => stdout.push(chunk));
  let running = true;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    proc.on('exit', (code, signal) => { running = false; resolve({ code, signal }); });
  });
  return {
    proc, lines, other, stdout, exited,
    alive: () => running,
    lastStats: () => [...lines].reverse().find((l) => l.msg === 'stats'),
    kill: (signal: NodeJS.Signals = 'SIGKILL') => { if (running) proc.kill(signal); },
    tail: (n = 30) => [...lines.slice(-n).map((l) => JSON.stringify(l)), ...other.slice(-n)].join('\n'),
  };
}

/** SIGTERM (graceful stop) and wait for the exit; SIGKILL if it does not exit in time. */
export async function stopChild(c: Child, timeoutMs = 60_000): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (!c.alive()) return c.exited;
  c.kill('SIGTERM');
  const timer = setTimeout(() => c.kill('SIGKILL'), timeoutMs);
  try {
    return await c.exited;
  } finally {
    clearTimeout(timer);
  }
}

/** Kill -9 and wait until the process is gone. */
export async function killChild(c: Child): Promise<void> {
  c.kill('SIGKILL');
  await c.exited;
}

/** Error lines of the engine itself (kafkajs' own error lines, e.g. a topic deleted under it, are left out). */
export function engineErrors(lines: LogLine[]): LogLine[] {
  return lines.filter((l) => l.level === 'error' && l.logger !== 'kafkajs');
}
