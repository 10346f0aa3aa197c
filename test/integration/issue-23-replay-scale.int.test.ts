/**
 * Issue 23: 100,000 dead letters replay with bounded memory. The letters are written straight into
 * sc_dead_letters of a fresh MariaDB database (as a run of a spec with a column too short leaves
 * them, each a distinct item); `sc-project dead-letters replay` (the built CLI, a child) applies
 * them through the fixed spec while the test samples the child's peak RSS (VmHWM of
 * /proc/<pid>/status): under 300 MB, and every letter applied exactly once (the counters would
 * show a double). bench/replay.mjs measures the same for the letters/s figure.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import mysql from 'mysql2/promise';
import { describe, expect, it } from 'vitest';
import { ddlCommand } from '../../src/cli/ddl.js';
import { FIXED, lettersFlow } from '../helpers/letters-scenario.js';
import { BIN, ROOT } from '../helpers/runner.js';
import { testResources } from '../helpers/scenario.js';
import { freshDatabase, skipWithout } from '../helpers/services.js';

const skip = skipWithout('DATABASE_URL');
const LETTERS = 100_000;
const MAX_RSS_MB = 300;

describe.skipIf(skip)('dead-letters replay at scale (issue 23)', () => {
  const { onCleanup } = testResources();

  it(`replays ${LETTERS} letters with the child's peak RSS under ${MAX_RSS_MB} MB, each once`, async () => {
    const flow = lettersFlow('replayscale');
    onCleanup(() => flow.remove());
    const db = await freshDatabase('sc_it_replayscale');
    onCleanup(() => db.drop());
    flow.writeSpec(FIXED);
    expect((await ddlCommand({ config: [flow.dir], dialect: 'mysql', apply: true, databaseUrl: db.url })).code).toBe(0);
    const c = await mysql.createConnection({ uri: db.url });
    try {
      const at = new Date().toISOString().replace('T', ' ').replace('Z', '');
      for (let i = 0; i < LETTERS; i += 1000) {
        const rows: unknown[][] = [];
        for (let j = i; j < i + 1000; j++) {
          const key = `i${j}`;
          const value = JSON.stringify({ event_id: `e-${key}`, event_type: 'item.made', entity_id: key, data: { name: `a-longer-name-${j}`, size: j % 100, bucket: `b${j % 3}` } });
          rows.push([createHash('sha256').update(`${flow.group}:${flow.topic}:${j % 3}:${j}:it-items`).digest('hex'), flow.topic, j % 3, j, flow.group, 'it-items', 'item.made: value is longer than 5', Buffer.from(key).toString('base64'), Buffer.from(value).toString('base64'), at]);
        }
        await c.query('INSERT INTO sc_dead_letters (dlq_id, topic, `partition`, `offset`, consumer_group, projection, reason, key_bytes, value_bytes, created_at) VALUES ?', [rows]);
      }
    } finally {
      await c.end();
    }

    const env: Record<string, string> = { ...(process.env as Record<string, string>) };
    delete env.KAFKA_BROKERS;
    const child = spawn(process.execPath, [BIN, 'dead-letters', 'replay', '--config', flow.dir, '--database-url', db.url, '--no-progress', '--format', 'json'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    onCleanup(() => { if (child.exitCode === null) child.kill('SIGKILL'); });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (x: string) => { out += x; });
    child.stderr.setEncoding('utf8').on('data', (x: string) => { err += x; });
    let peakKb = 0;
    const sample = (): void => {
      try {
        const m = /VmHWM:\s+(\d+) kB/u.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
        if (m !== null) peakKb = Math.max(peakKb, Number(m[1]));
      } catch { /* exited between two samples */ }
    };
    const timer = setInterval(sample, 50);
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    clearInterval(timer);
    expect(err).toBe('');
    expect(code).toBe(0);
    const report = JSON.parse(out) as { applied: number; failed_again: number; seconds: number };
    expect(report).toMatchObject({ applied: LETTERS, failed_again: 0 });
    // VmHWM only grows: the last sample before the exit is the peak up to then.
    expect(peakKb).toBeGreaterThan(0);
    expect(peakKb / 1024).toBeLessThan(MAX_RSS_MB);
    console.log(`replayed ${LETTERS} letters in ${report.seconds.toFixed(1)} s (${Math.round(LETTERS / report.seconds)} letters/s), peak RSS ${(peakKb / 1024).toFixed(1)} MB`);

    const check = await mysql.createConnection({ uri: db.url });
    try {
      const one = async (sql: string): Promise<number> => Number(((await check.query(sql))[0] as Array<{ n: unknown }>)[0]?.n);
      expect(await one('SELECT COUNT(*) AS n FROM items')).toBe(LETTERS);
      expect(await one('SELECT SUM(items) AS n FROM totals')).toBe(LETTERS);
      expect(await one('SELECT COUNT(*) AS n FROM sc_dead_letters')).toBe(0);
    } finally {
      await check.end();
    }
  });
});
