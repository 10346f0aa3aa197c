#!/usr/bin/env node
/**
 * HTTP output benchmark: `node bench/http-output.mjs [--messages N] [--records R]` (build first).
 *
 * A local node:http endpoint on 127.0.0.1 answers every POST at once with 200. In the same run:
 *   (a) the engine: `run --from` a generated NDJSON file of N analytics-sync messages (R records
 *       each, half customer_data, half inventory_data) with the shipped projections/analytics-sync
 *       spec into a fresh SQLite file: records go to the outbox in each batch's transaction, the
 *       flusher cuts batches of 1,000 records and POSTs them, the run ends when every batch is
 *       delivered. records/s = records delivered / wall time of the whole run (start-up included).
 *   (b) the seed's way without its buffer: the same messages, one POST per message (its payload as
 *       the body), each awaited before the next, over a kept-alive connection (Node's fetch).
 * Prints records/s, requests and the ratio. No Kafka or MariaDB needed.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const arg = (name, def) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : def;
};
const MESSAGES = arg('--messages', process.argv.includes('--quick') ? 5000 : 20000);
const RECORDS = arg('--records', 5);

let received = 0;
let requests = 0;
const server = createServer((req, res) => {
  let body = '';
  req.setEncoding('utf8');
  req.on('data', (c) => { body += c; });
  req.on('end', () => {
    requests++;
    const parsed = JSON.parse(body);
    received += Array.isArray(parsed) ? parsed.length : (parsed.customers?.length ?? 0) + (parsed.products?.length ?? 0);
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end('{"status":"ok"}');
  });
});
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const url = `http://127.0.0.1:${server.address().port}`;

const dir = mkdtempSync(path.join(os.tmpdir(), 'sc-bench-http-'));
const file = path.join(dir, 'sync.ndjson');
const lines = [];
for (let i = 0; i < MESSAGES; i++) {
  const customer = i % 2 === 0;
  const payload = Array.from({ length: RECORDS }, (_, j) => (customer
    ? { id: `C${i}-${j}`, name: `Customer ${i} ${j}`, email: `c${i}.${j}@example.com`, tier: j % 2 ? 'gold' : 'bronze' }
    : { id: `P${i}-${j}`, productName: `Product ${i}/${j}`, sku: `SKU-${i}-${j}`, stock: i + j, priceCents: 100 * i + j }));
  const messageId = randomUUID();
  lines.push(JSON.stringify({ topic: customer ? 'customer_data' : 'inventory_data', key: messageId, value: { messageId, source: 'java-producers', eventType: customer ? 'CUSTOMER' : 'INVENTORY', timestamp: new Date().toISOString(), payload, metadata: { syncType: 'INCREMENTAL', recordCount: RECORDS } } }));
}
writeFileSync(file, lines.join('\n') + '\n');
const total = MESSAGES * RECORDS;

// (a) the engine
received = 0;
requests = 0;
let t0 = performance.now();
const child = spawn(process.execPath, [path.join(ROOT, 'bin/sc-project.js'), 'run', '--config', path.join(ROOT, 'projections/analytics-sync.yaml'), '--from', file, '--database-url', `sqlite:${path.join(dir, 'bench.db')}`, '--stats-interval', '0'], {
  cwd: dir, env: { ...process.env, ANALYTICS_API_BASE_URL: url, MERGE_FLUSH_INTERVAL: '1' }, stdio: ['ignore', 'pipe', 'pipe'],
});
let out = '';
child.stdout.on('data', (c) => { out += c; });
child.stderr.on('data', () => undefined);
const code = await new Promise((resolve) => child.on('exit', resolve));
const engineS = (performance.now() - t0) / 1000;
const engine = { records: received, requests, seconds: engineS, perS: received / engineS };
if (code !== 0 || received !== total) {
  console.error(`engine run failed: exit ${code}, ${received}/${total} records delivered\n${out}`);
  process.exit(1);
}

// (b) one POST per message
received = 0;
requests = 0;
t0 = performance.now();
for (const l of lines) {
  const { value } = JSON.parse(l);
  const res = await fetch(`${url}/api/analytics/data`, { method: 'POST', headers: { 'Content-Type': 'application/json', 'Idempotency-Key': value.messageId }, body: JSON.stringify(value.payload) });
  await res.text();
}
const perMessageS = (performance.now() - t0) / 1000;
const perMessage = { records: received, requests, seconds: perMessageS, perS: received / perMessageS };

server.close();
rmSync(dir, { recursive: true, force: true });
const fmt = (n) => Math.round(n).toLocaleString('en-US');
console.log(`HTTP output: ${fmt(MESSAGES)} messages × ${RECORDS} records = ${fmt(total)} records, local endpoint answering at once (${os.cpus().length} cores, load ${os.loadavg()[0].toFixed(1)})`);
console.log(`(a) run --from, outbox + batches of 1,000   ${fmt(engine.perS).padStart(9)} records/s  ${fmt(engine.requests).padStart(7)} requests  ${engine.seconds.toFixed(1)} s (start-up included)`);
console.log(`(b) one POST per message, awaited           ${fmt(perMessage.perS).padStart(9)} records/s  ${fmt(perMessage.requests).padStart(7)} requests  ${perMessage.seconds.toFixed(1)} s`);
console.log(`ratio (a)/(b): ×${(engine.perS / perMessage.perS).toFixed(1)}`);
