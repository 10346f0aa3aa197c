#!/usr/bin/env node
/**
 * `dead-letters replay`'s figures on MariaDB: `node bench/replay.mjs [--count 100000] [--chunk 500]`.
 *
 * A fresh database gets the tables of a small spec (items inserted, a counter per bucket) and N
 * dead letters written straight into sc_dead_letters, as a run of that spec with a column too short
 * would have left them (each a distinct item). Then `sc-project dead-letters replay` (the built
 * CLI, a child process) applies them. Prints letters/s (letters over the replay's own time, and
 * over the child's wall time, start-up included) and the child's peak RSS (VmHWM of
 * /proc/<pid>/status), and checks every letter applied once. Drops the database (unless --keep).
 */
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const BIN = path.join(ROOT, 'bin', 'sc-project.js');
const opt = { count: 100_000, chunk: 500, keep: false, databaseUrl: process.env.DATABASE_URL ?? 'mysql://sc:sc@127.0.0.1:3306/sc_project' };
for (let i = 2; i < process.argv.length; i++) {
  const a = process.argv[i];
  const v = () => process.argv[++i];
  if (a === '--count') opt.count = Number(v());
  else if (a === '--chunk') opt.chunk = Number(v());
  else if (a === '--database-url') opt.databaseUrl = v();
  else if (a === '--keep') opt.keep = true;
  else {
    process.stderr.write('usage: node bench/replay.mjs [--count N] [--chunk N] [--database-url URL] [--keep]\n');
    process.exit(2);
  }
}
const progress = (s) => process.stderr.write(`[replay-bench] ${s}\n`);
const fmt = (n, d = 0) => Number(n).toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });
const mysql = (await import('mysql2/promise')).default;

const id = randomBytes(3).toString('hex');
const base = new URL(opt.databaseUrl);
const dbName = `sc_bench_rp_${id}`;
const url = `${base.protocol}//${base.username}:${base.password}@${base.host}/${dbName}`;
const group = `bench-rp-${id}`;
const topic = `bench-rp-${id}.items`;
const dir = mkdtempSync(path.join(os.tmpdir(), 'sc-bench-replay-'));
writeFileSync(path.join(dir, 'items.yaml'), [
  'projection: bench-items', `group: ${group}`, `topics: [${topic}]`, 'tables:',
  '  items:', '    key: [item_id]', '    columns:', '      item_id: { type: string, length: 64 }', '      name: { type: string, length: 40 }', '      size: { type: int, default: 0 }',
  '  totals:', '    key: [bucket]', '    columns:', '      bucket: { type: string, length: 16 }', '      items: { type: int, default: 0 }', '      size_sum: { type: bigint, default: 0 }',
  'on:', '  item.made:', '    - insert: items', '      set: { item_id: $.entity_id, name: $.data.name, size: $.data.size }',
  '    - increment: totals', '      where: { bucket: $.data.bucket }', '      by: { items: 1, size_sum: $.data.size }', '      create_missing: true', '',
].join('\n'));

const admin = await mysql.createConnection({ host: base.hostname, port: Number(base.port || 3306), user: decodeURIComponent(base.username), password: decodeURIComponent(base.password) });
await admin.query(`CREATE DATABASE \`${dbName}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
try {
  const cli = (args) => new Promise((resolve) => {
    const p = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    p.stdout.setEncoding('utf8').on('data', (c) => { out += c; });
    p.on('exit', (code) => resolve({ code, out }));
  });
  const ddl = await cli(['ddl', '--config', dir, '--dialect', 'mysql', '--apply', '--database-url', url]);
  if (ddl.code !== 0) throw new Error(`ddl --apply failed: ${ddl.out}`);
  progress(`writing ${fmt(opt.count)} letters into ${dbName}.sc_dead_letters`);
  const db = await mysql.createConnection({ uri: url });
  const at = new Date().toISOString().replace('T', ' ').replace('Z', '');
  for (let i = 0; i < opt.count; i += 1000) {
    const rows = [];
    for (let j = i; j < Math.min(opt.count, i + 1000); j++) {
      const key = `i${j}`;
      const value = JSON.stringify({ event_id: `e-${key}`, event_type: 'item.made', entity_id: key, data: { name: `a-longer-name-${j}`, size: j % 100, bucket: `b${j % 3}` } });
      rows.push([createHash('sha256').update(`${group}:${topic}:${j % 3}:${j}:bench-items`).digest('hex'), topic, j % 3, j, group, 'bench-items', 'item.made: column items.name (string): value is longer than 5', Buffer.from(key).toString('base64'), Buffer.from(value).toString('base64'), at]);
    }
    await db.query('INSERT INTO sc_dead_letters (dlq_id, topic, `partition`, `offset`, consumer_group, projection, reason, key_bytes, value_bytes, created_at) VALUES ?', [rows]);
  }
  await db.end();

  progress(`replaying (--chunk ${opt.chunk})`);
  const started = performance.now();
  const child = spawn(process.execPath, [BIN, 'dead-letters', 'replay', '--config', dir, '--database-url', url, '--chunk', String(opt.chunk), '--no-progress', '--format', 'json'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, KAFKA_BROKERS: '' } });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (c) => { out += c; });
  let peakKb = 0;
  const poll = setInterval(() => {
    try {
      const m = /VmHWM:\s+(\d+) kB/u.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
      if (m !== null) peakKb = Math.max(peakKb, Number(m[1]));
    } catch { /* exited */ }
  }, 50);
  const code = await new Promise((resolve) => child.on('exit', resolve));
  clearInterval(poll);
  const wall = (performance.now() - started) / 1000;
  const report = JSON.parse(out);
  const check = await mysql.createConnection({ uri: url });
  const [[items]] = await check.query('SELECT COUNT(*) AS n FROM items');
  const [[totals]] = await check.query('SELECT SUM(items) AS n FROM totals');
  const [[left]] = await check.query('SELECT COUNT(*) AS n FROM sc_dead_letters');
  await check.end();
  const ok = code === 0 && report.applied === opt.count && Number(items.n) === opt.count && Number(totals.n) === opt.count && Number(left.n) === 0;
  const result = {
    letters: opt.count, chunk: opt.chunk, applied: report.applied, replay_s: report.seconds, wall_s: Number(wall.toFixed(2)),
    letters_per_s: Math.round(report.applied / report.seconds), letters_per_s_wall: Math.round(report.applied / wall), peak_rss_mb: Number((peakKb / 1024).toFixed(1)),
    once: ok, cpus: os.cpus().length, node: process.version,
  };
  process.stdout.write(`replay of ${fmt(result.letters)} letters (chunk ${result.chunk}): ${fmt(result.letters_per_s)} letters/s (${fmt(result.letters_per_s_wall)} over ${fmt(result.wall_s, 1)} s wall), peak RSS ${fmt(result.peak_rss_mb, 1)} MB, each applied once: ${ok ? 'yes' : 'NO'}\n`);
  process.stdout.write(`${JSON.stringify(result)}\n`);
  if (!ok) process.exitCode = 1;
} finally {
  if (!opt.keep) await admin.query(`DROP DATABASE IF EXISTS \`${dbName}\``);
  await admin.end();
  rmSync(dir, { recursive: true, force: true });
}
