#!/usr/bin/env node
/**
 * The blue-green rebuild's figures on MariaDB: `node bench/rebuild.mjs [--count 100000]`.
 *
 * A deterministic Social Commerce stream (scripts/generate-events.mjs) is published to fresh topics
 * (`bench-rb-<id>-<topic>`, 3 partitions); a temporary copy of projections/ (without HTTP outputs)
 * reads them under fresh groups. A live engine (`sc-project run`, a child process) drains the
 * stream into a fresh database and keeps running; then `rebuild()` rebuilds the projections
 * beside it and swaps them in. Prints the rebuild's messages/s, the swap's pause (the live group's
 * partition locks held) and whether the rebuilt tables hold the same rows as the live ones did.
 * Drops what it created (unless --keep).
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const BIN = path.join(ROOT, 'bin', 'sc-project.js');

const opt = { count: 100_000, seed: 'bench', partitions: 3, projections: undefined, keep: false, brokers: process.env.KAFKA_BROKERS ?? '127.0.0.1:9092', databaseUrl: process.env.DATABASE_URL ?? 'mysql://sc:sc@127.0.0.1:3306/sc_project' };
for (let i = 2; i < process.argv.length; i++) {
  const a = process.argv[i];
  const v = () => process.argv[++i];
  if (a === '--count') opt.count = Number(v());
  else if (a === '--seed') opt.seed = v();
  else if (a === '--partitions') opt.partitions = Number(v());
  else if (a === '--projections') opt.projections = v().split(',');
  else if (a === '--brokers') opt.brokers = v();
  else if (a === '--database-url') opt.databaseUrl = v();
  else if (a === '--keep') opt.keep = true;
  else {
    process.stderr.write(`usage: node bench/rebuild.mjs [--count N] [--seed S] [--partitions P] [--projections a,b] [--brokers LIST] [--database-url URL] [--keep]\n`);
    process.exit(2);
  }
}

const progress = (s) => process.stderr.write(`[rebuild-bench] ${s}\n`);
const fmt = (n, d = 0) => Number(n).toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });

const { rebuild } = await import(pathToFileURL(path.join(ROOT, 'dist', 'index.js')).href);
const { generateMessages } = await import(pathToFileURL(path.join(ROOT, 'scripts', 'generate-events.mjs')).href);
const { Kafka, logLevel, Partitioners } = (await import('kafkajs')).default;
const mysql = (await import('mysql2/promise')).default;
const YAML = await import('yaml');

const id = `${new Date().toISOString().replace(/[-:T]/g, '').slice(2, 14)}-${randomBytes(2).toString('hex')}`;
const server = new URL(opt.databaseUrl);
const dbName = `sc_bench_rb_${id.replace(/-/g, '_')}`;
const dbUrl = `mysql://${server.username}:${server.password}@${server.hostname}:${server.port || 3306}/${dbName}`;
const admin0 = () => mysql.createConnection({ host: server.hostname, port: Number(server.port || 3306), user: decodeURIComponent(server.username), password: decodeURIComponent(server.password) });
const brokers = opt.brokers.split(',');
const kafka = new Kafka({ clientId: `sc-bench-rb-${id}`, brokers, logLevel: logLevel.NOTHING, retry: { retries: 8 } });
const topicPrefix = `bench-rb-${id}-`;
const tmp = mkdtempSync(path.join(os.tmpdir(), 'sc-bench-rb-'));
const specDir = path.join(tmp, 'specs');
let child;

/** projections/ with topics and groups renamed, without projections that have HTTP outputs (a rebuild refuses them). */
function writeSpecs() {
  mkdirSync(specDir, { recursive: true });
  const out = { projections: [], topics: new Set(), groups: new Set() };
  for (const f of readdirSync(path.join(ROOT, 'projections')).filter((x) => /\.ya?ml$/.test(x) && !/\.test\.ya?ml$/.test(x)).sort()) {
    const text = readFileSync(path.join(ROOT, 'projections', f), 'utf8');
    if (/^outputs:/m.test(text)) continue;
    const docs = YAML.parseAllDocuments(text).map((d) => {
      const js = d.toJS();
      const topics = js.topics.map((t) => String(t).replace(/\$\{(\w+)(?::-([^}]*))?\}/g, (_, e, dflt) => process.env[e] ?? dflt ?? ''));
      d.set('group', `${js.group}-rb-${id}`);
      d.set('topics', d.createNode(topics.map((t) => `${topicPrefix}${t}`), { flow: true }));
      out.projections.push(js.projection);
      out.groups.add(`${js.group}-rb-${id}`);
      for (const t of topics) out.topics.add(`${topicPrefix}${t}`);
      return String(d);
    });
    writeFileSync(path.join(specDir, f), docs.join('---\n'));
  }
  return out;
}

async function positionsSum(db, groups) {
  const [rows] = await db.query(`SELECT consumer_group AS g, SUM(next_offset) AS n FROM sc_consumer_positions WHERE consumer_group IN (${groups.map(() => '?').join(',')}) GROUP BY consumer_group`, groups).catch(() => [[]]);
  return new Map(rows.map((r) => [r.g, Number(r.n)]));
}

async function main() {
  const specs = writeSpecs();
  const projections = opt.projections ?? specs.projections;
  progress(`generating ${fmt(opt.count)} messages (seed ${opt.seed})`);
  const stream = [];
  for (const m of generateMessages({ count: opt.count, seed: opt.seed, duplicates: 0.03, bad: 0.001, topics: 'all' })) {
    stream.push({ topic: `${topicPrefix}${m.topic}`, key: m.key === null ? null : String(m.key), value: m.value_raw !== undefined ? m.value_raw : JSON.stringify(m.value) });
  }
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ waitForLeaders: true, topics: [...specs.topics].map((topic) => ({ topic, numPartitions: opt.partitions, replicationFactor: 1 })) });
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  for (let i = 0; i < stream.length; i += 5000) {
    const byTopic = new Map();
    for (const m of stream.slice(i, i + 5000)) {
      if (!specs.topics.has(m.topic)) continue;
      if (!byTopic.has(m.topic)) byTopic.set(m.topic, []);
      byTopic.get(m.topic).push({ key: m.key, value: m.value });
    }
    await producer.sendBatch({ acks: -1, topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })) });
  }
  await producer.disconnect();
  const ends = new Map();
  for (const t of specs.topics) for (const p of await admin.fetchTopicOffsets(t)) ends.set(`${t}/${p.partition}`, Number(p.high));
  const total = [...ends.values()].reduce((a, b) => a + b, 0);
  progress(`published ${fmt(total)} messages to ${specs.topics.size} topics`);

  const c0 = await admin0();
  await c0.query(`CREATE DATABASE \`${dbName}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
  await c0.end();
  const db = await mysql.createConnection({ uri: dbUrl });

  // The live engine: drains the stream, then keeps running through the rebuild.
  child = spawn(process.execPath, [BIN, 'run', '--config', specDir, '--database-url', dbUrl, '--brokers', opt.brokers, '--stats-interval', '0', '--log-format', 'json', '--session-timeout', '10'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let childLog = '';
  child.stderr.on('data', (d) => { childLog = (childLog + d).slice(-20000); });
  const groupsTopics = new Map();
  for (const f of readdirSync(specDir)) for (const d of YAML.parseAllDocuments(readFileSync(path.join(specDir, f), 'utf8'))) {
    const js = d.toJS();
    groupsTopics.set(js.group, [...new Set([...(groupsTopics.get(js.group) ?? []), ...js.topics])]);
  }
  const want = new Map([...groupsTopics].map(([g, ts]) => [g, [...ends].filter(([k]) => ts.some((t) => k.startsWith(`${t}/`))).reduce((a, [, n]) => a + n, 0)]));
  const t0 = performance.now();
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the live engine exited: ${childLog}`);
    const have = await positionsSum(db, [...want.keys()]);
    if ([...want].every(([g, n]) => (have.get(g) ?? 0) >= n)) break;
    await new Promise((r) => setTimeout(r, 500));
  }
  const liveS = (performance.now() - t0) / 1000;
  progress(`live engine drained ${fmt(total)} messages in ${liveS.toFixed(1)} s (${fmt(total / liveS)} msg/s, start-up included)`);
  const tables = (await db.query('SELECT table_name AS t FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name NOT LIKE ?', ['sc\\_%']))[0].map((r) => r.t);
  const before = new Map();
  for (const t of tables) before.set(t, Number((await db.query(`SELECT COUNT(*) AS n FROM \`${t}\``))[0][0].n));

  progress(`rebuilding ${projections.join(', ')} beside the running engine`);
  const r0 = performance.now();
  const phases = {};
  const logger = { info: (m, f) => { if (m === 'rebuild: swap done') Object.assign(phases, f); }, warn: (m, f) => progress(`warn: ${m} ${JSON.stringify(f ?? {})}`), error: (m, f) => progress(`error: ${m} ${JSON.stringify(f ?? {})}`) };
  const report = await rebuild({ config: specDir, projections, databaseUrl: dbUrl, brokers, sessionTimeoutMs: 10_000, logger });
  const wall = (performance.now() - r0) / 1000;
  const after = new Map();
  for (const t of tables) after.set(t, Number((await db.query(`SELECT COUNT(*) AS n FROM \`${t}\``))[0][0].n));
  const same = tables.every((t) => before.get(t) === after.get(t));
  const alive = child.exitCode === null;
  await db.end();

  const load = os.loadavg().map((x) => x.toFixed(2)).join(' ');
  const lines = [
    `rebuild bench (MariaDB, ${opt.partitions} partitions, load average ${load})`,
    `  stream:            ${fmt(total)} messages on ${specs.topics.size} topics (seed ${opt.seed})`,
    `  projections:       ${projections.length} (${projections.join(', ')}) in ${want.size} groups`,
    `  rebuild:           ${fmt(report.events)} messages (${fmt(report.applied)} applied, ${fmt(report.deadLettered)} dead-lettered) in ${(report.buildMs / 1000).toFixed(1)} s: ${fmt(report.eventsPerS)} msg/s (wall ${wall.toFixed(1)} s with set-up and joins)`,
    `  swap:              ${fmt(report.swapMs)} ms with the live groups paused (${report.swapAttempts} attempt(s), ${report.movedPositions} positions handed over; ${phases.locks ?? 0} locks: ${phases.locks_ms ?? "?"} ms to take them, ${phases.reach_ms ?? "?"} ms to reach the live positions, RENAME ${phases.rename_ms ?? "?"} ms, bookkeeping ${phases.bookkeeping_ms ?? "?"} ms)`,
    `  rows:              ${same ? 'the rebuilt tables hold as many rows as the live ones did' : `DIFFER: ${tables.filter((t) => before.get(t) !== after.get(t)).map((t) => `${t} ${before.get(t)} → ${after.get(t)}`).join(', ')}`}`,
    `  live engine:       ${alive ? 'still running after the swap' : 'EXITED'}`,
  ];
  process.stdout.write(lines.join('\n') + '\n');
  await admin.disconnect();
  return same && alive ? 0 : 1;
}

async function cleanup() {
  if (child !== undefined && child.exitCode === null) {
    child.kill('SIGTERM');
    await new Promise((r) => { child.once('exit', r); setTimeout(r, 15_000); });
  }
  rmSync(tmp, { recursive: true, force: true });
  if (opt.keep) return;
  try {
    const c = await admin0();
    await c.query(`DROP DATABASE IF EXISTS \`${dbName}\``);
    await c.end();
  } catch (e) { progress(`could not drop ${dbName}: ${e}`); }
  try {
    const admin = kafka.admin();
    await admin.connect();
    const mine = (await admin.listTopics()).filter((t) => t.startsWith(topicPrefix));
    if (mine.length > 0) await admin.deleteTopics({ topics: mine });
    const groups = (await admin.listGroups()).groups.map((g) => g.groupId).filter((g) => g.includes(`-rb-${id}`));
    if (groups.length > 0) await admin.deleteGroups(groups).catch(() => undefined);
    await admin.disconnect();
  } catch (e) { progress(`could not delete topics: ${e}`); }
}

let code = 1;
try {
  code = await main();
} catch (e) {
  process.stderr.write(`rebuild bench failed: ${e instanceof Error ? e.stack : String(e)}\n`);
} finally {
  await cleanup();
}
process.exit(code);
