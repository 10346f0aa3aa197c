#!/usr/bin/env node
/**
 * Where a batch's time goes: `node bench/breakdown.mjs [--count N] [--batch B] [--seed S]`.
 *
 * Drives the engine's own GroupProcessor (dist/runtime/commit/processor.js) in-process, without Kafka,
 * over the benchmark stream, into a fresh MariaDB database, with a sink wrapper that times every
 * statement by kind (processed-id lookup, processed-id claim, each folded table statement,
 * positions), the client-side formatting of parameters (mysql2's format, the same work
 * `conn.query(sql, params)` does), the transaction overhead (connection, START, COMMIT) and the
 * JavaScript outside the transaction (decode, route, evaluate, fold). Messages reach each group as
 * Kafka would hand them over: per topic-partition (murmur2 of the key, 3 partitions), in
 * batches of at most B (default 4,000, about what a 2 MB fetch holds).
 */
import { performance } from 'node:perf_hooks';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const arg = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : dflt;
};
const count = Number(arg('--count', 200_000));
const batchSize = Number(arg('--batch', 4000));
const seed = arg('--seed', 'bench');
const partitions = Number(arg('--partitions', 3));
const server = new URL(arg('--database-url', process.env.DATABASE_URL ?? 'mysql://sc:sc@127.0.0.1:3306/sc_project'));

const imp = (p) => import(pathToFileURL(path.join(ROOT, p)).href);
const { validatePaths, applyDdl } = await imp('dist/index.js');
const { GroupProcessor } = await imp('dist/runtime/commit/processor.js');
const { groupRoutes } = await imp('dist/runtime/apply/routes.js');
const { openMysqlSink } = await imp('dist/runtime/sinks/mysql.js');
const { newStats } = await imp('dist/runtime/ops/stats.js');
const { silentLogger } = await imp('dist/runtime/ops/log.js');
const { TABLE_DEAD_LETTERS } = await imp('dist/runtime/outputs/dead-letters/index.js');
const { ENGINE_TABLES } = await imp('dist/sql/engine-tables.js');
const gen = await imp('scripts/generate-events.mjs');
const mysql = (await import('mysql2/promise')).default;
const { Partitioners } = (await import('kafkajs')).default;

const log = (m) => process.stderr.write(`[breakdown] ${m}\n`);
const plan = validatePaths([path.join(ROOT, 'projections')]).plan;
if (plan === undefined) throw new Error('projections do not validate');

// The stream as Kafka messages: partition by key, offsets per topic-partition.
const partitioner = Partitioners.DefaultPartitioner();
const meta = Array.from({ length: partitions }, (_, i) => ({ partitionId: i, leader: 0 }));
const next = new Map();
const messages = [];
let i = 0;
for (const m of gen.generateMessages({ count, seed, duplicates: 0.03, bad: 0.001 })) {
  const key = m.key === null ? null : Buffer.from(String(m.key));
  const value = Buffer.from(m.value_raw ?? JSON.stringify(m.value));
  const partition = key === null ? i % partitions : partitioner({ topic: m.topic, partitionMetadata: meta, message: { key, value } });
  const k = `${m.topic}/${partition}`;
  const offset = next.get(k) ?? 0;
  next.set(k, offset + 1);
  messages.push({ topic: m.topic, partition, offset, key, value });
  i++;
}
log(`${messages.length} messages generated`);

const db = `sc_breakdown_${Date.now().toString(36)}`;
const dbConfig = { host: server.hostname, port: Number(server.port || 3306), user: decodeURIComponent(server.username), password: decodeURIComponent(server.password) };
const admin = await mysql.createConnection(dbConfig);
await admin.query(`CREATE DATABASE \`${db}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
const url = `mysql://${server.username}:${server.password}@${dbConfig.host}:${dbConfig.port}/${db}`;

const cats = new Map();
const add = (cat, ms, n = 1) => {
  const c = cats.get(cat) ?? { ms: 0, n: 0 };
  c.ms += ms;
  c.n += n;
  cats.set(cat, c);
};
const classify = (sql) => {
  const s = sql.trimStart();
  const verb = s.slice(0, 6).toUpperCase();
  const table = /^(?:INSERT (?:IGNORE )?INTO|UPDATE|DELETE t FROM|SELECT .*? FROM)\s+`?([a-z_0-9]+)`?/is.exec(s)?.[1] ?? '?';
  if (table === 'sc_processed_events') return verb === 'SELECT' ? 'engine: SELECT processed ids' : verb === 'DELETE' ? 'engine: prune' : 'engine: INSERT processed ids (claim)';
  if (table === 'sc_consumer_positions') return `engine: ${verb} positions`;
  if (table === 'sc_dead_letters') return 'engine: dead letters';
  return `effects: ${verb} ${table}`;
};

try {
  await applyDdl(url, [...plan.tables, ...ENGINE_TABLES]);
  const sink = await openMysqlSink(url);
  let inTx = 0;
  const wrapped = {
    ...sink,
    async transaction(fn) {
      const t0 = performance.now();
      let stmtMs = 0;
      try {
        return await sink.transaction(async (tx) => {
          const timed = (method) => async (s) => {
            const f0 = performance.now();
            const text = mysql.format(s.sql, s.params, false, 'Z');
            const f1 = performance.now();
            add('client: format parameters into SQL (mysql2)', f1 - f0);
            const r = await tx[method]({ sql: text, params: [] });
            const f2 = performance.now();
            add(classify(s.sql), f2 - f1);
            stmtMs += f2 - f0;
            return r;
          };
          return fn({ exec: timed('exec'), query: timed('query') });
        });
      } finally {
        const total = performance.now() - t0;
        inTx += total;
        add('transaction: connection, START, COMMIT', total - stmtMs);
      }
    },
    close: () => sink.close(),
  };
  const deadLetters = TABLE_DEAD_LETTERS;
  const summary = [];
  const wall0 = performance.now();
  for (const g of plan.groups) {
    const routes = groupRoutes(plan, g.group);
    const stats = newStats();
    const processor = new GroupProcessor({ sink: wrapped, routes, deadLetters, stats, log: silentLogger });
    const queues = new Map();
    for (const m of messages) {
      if (!routes.accepts(m)) continue;
      const k = `${m.topic}/${m.partition}`;
      if (!queues.has(k)) queues.set(k, []);
      queues.get(k).push(m);
    }
    const g0 = performance.now();
    const inTx0 = inTx;
    for (let at = 0; ; at += batchSize) {
      let any = false;
      for (const q of queues.values()) {
        const b = q.slice(at, at + batchSize);
        if (b.length === 0) continue;
        any = true;
        await processor.process(b);
      }
      if (!any) break;
    }
    const ms = performance.now() - g0;
    add('engine JS outside the transaction (decode, route, evaluate, fold)', ms - (inTx - inTx0));
    summary.push({ group: g.group, events: stats.events, batches: stats.batches, statements: stats.statements, ms, events_per_s: stats.events / (ms / 1000) });
  }
  const wall = performance.now() - wall0;
  await wrapped.close();
  const total = [...cats.values()].reduce((s, c) => s + c.ms, 0);
  process.stdout.write(`\nbreakdown: ${messages.length} messages, batches of ≤ ${batchSize} per topic-partition, groups one after another, ${(wall / 1000).toFixed(1)} s\n\n`);
  for (const s of summary) process.stdout.write(`  ${s.group.padEnd(26)} ${String(s.events).padStart(7)} events  ${String(s.batches).padStart(4)} batches  ${String(s.statements).padStart(5)} statements  ${(s.ms / 1000).toFixed(1).padStart(5)} s  ${Math.round(s.events_per_s).toLocaleString('en-US').padStart(7)} events/s\n`);
  process.stdout.write(`\n  ${'where'.padEnd(66)} ${'ms'.padStart(8)} ${'share'.padStart(6)} ${'count'.padStart(7)} ${'ms each'.padStart(8)}\n`);
  for (const [cat, c] of [...cats].sort((a, b) => b[1].ms - a[1].ms)) {
    process.stdout.write(`  ${cat.padEnd(66)} ${c.ms.toFixed(0).padStart(8)} ${((100 * c.ms) / total).toFixed(1).padStart(5)}% ${String(c.n).padStart(7)} ${(c.ms / c.n).toFixed(2).padStart(8)}\n`);
  }
} finally {
  await admin.query(`DROP DATABASE IF EXISTS \`${db}\``);
  await admin.end();
}
