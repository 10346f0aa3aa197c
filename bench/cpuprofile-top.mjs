#!/usr/bin/env node
/**
 * The top functions of a V8 .cpuprofile (from `node --cpu-prof`) by self time, and by total time
 * for a few call-tree roots of interest. `node bench/cpuprofile-top.mjs [--top 30] [--json] FILE`.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';

const args = process.argv.slice(2);
let top = 30;
let json = false;
let file;
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--top') top = Number(args[++i]);
  else if (args[i] === '--json') json = true;
  else file = args[i];
}
if (file === undefined) {
  process.stderr.write('usage: node bench/cpuprofile-top.mjs [--top N] [--json] FILE.cpuprofile\n');
  process.exit(2);
}

const prof = JSON.parse(readFileSync(file, 'utf8'));
const byId = new Map(prof.nodes.map((n) => [n.id, n]));
// Sample counts per node, weighted by the time deltas between samples.
const selfUs = new Map();
for (let i = 0; i < prof.samples.length; i++) {
  const dt = prof.timeDeltas[i + 1] ?? prof.timeDeltas[i] ?? 0;
  selfUs.set(prof.samples[i], (selfUs.get(prof.samples[i]) ?? 0) + dt);
}
const totalUs = [...selfUs.values()].reduce((a, b) => a + b, 0);
const key = (n) => {
  const f = n.callFrame;
  const url = f.url ? f.url.replace(/^file:\/\//, '') : '';
  const rel = url.includes('/node_modules/') ? url.slice(url.lastIndexOf('/node_modules/') + 14) : url ? path.relative(process.cwd(), url) : '';
  return { name: f.functionName || '(anonymous)', where: rel ? `${rel}:${f.lineNumber + 1}` : '' };
};
const agg = new Map();
for (const [nid, us] of selfUs) {
  const n = byId.get(nid);
  if (n === undefined) continue;
  const k = key(n);
  const id = `${k.name}\u0000${k.where}`;
  const a = agg.get(id) ?? { ...k, us: 0 };
  a.us += us;
  agg.set(id, a);
}
// Self time by module (node_modules package, dist file, or node internals).
const byModule = new Map();
for (const a of agg.values()) {
  let m = a.where === '' ? (a.name.startsWith('(') ? a.name : '(native)') : a.where.startsWith('node:') ? 'node internals' : a.where.split(':')[0];
  if (/^(mysql2|kafkajs|knex|jsonpath-plus|yaml|ajv|iconv-lite|long|denque|lru-cache|sqlstring|better-sqlite3)\//.test(m)) m = m.split('/')[0];
  byModule.set(m, (byModule.get(m) ?? 0) + a.us);
}
const rows = [...agg.values()].sort((x, y) => y.us - x.us).slice(0, top).map((a) => ({ name: a.name, where: a.where, self_ms: a.us / 1000, self_pct: (100 * a.us) / totalUs }));
const modules = [...byModule].sort((x, y) => y[1] - x[1]).slice(0, 15).map(([m, us]) => ({ module: m, self_ms: us / 1000, self_pct: (100 * us) / totalUs }));
const wallMs = (prof.endTime - prof.startTime) / 1000;
if (json) {
  process.stdout.write(JSON.stringify({ profile_ms: wallMs, sampled_ms: totalUs / 1000, top: rows, modules }) + '\n');
} else {
  process.stdout.write(`${file}: ${(wallMs / 1000).toFixed(1)} s profiled\n\nself %   self ms  function  (where)\n`);
  for (const r of rows) process.stdout.write(`${r.self_pct.toFixed(1).padStart(6)}  ${r.self_ms.toFixed(0).padStart(8)}  ${r.name}  ${r.where}\n`);
  process.stdout.write('\nby module:\n');
  for (const m of modules) process.stdout.write(`${m.self_pct.toFixed(1).padStart(6)}  ${m.self_ms.toFixed(0).padStart(8)}  ${m.module}\n`);
}
