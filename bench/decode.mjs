#!/usr/bin/env node
/**
 * What decoding a message value costs, per message, with the checks issue 12 added: the UTF-8
 * validation (buffer.isUtf8) before toString, and the exact text of numeric event ids past 2^53.
 * No services needed; uses dist/ (npm run build). Usage: node bench/decode.mjs [--count N]
 *   (a) toString + JSON.parse: the decoding before the checks
 *   (b) isUtf8 alone
 *   (c) the engine's envelope decoder (isUtf8, toString, JSON.parse, type and id paths)
 *   (d) the same on values whose event id is a number past 2^53 (read back from the text)
 *   (e) the same on values with a number a double cannot hold (issue 18: the lossless re-parse)
 *   (f) the same on values with a 19-digit string (the cheap check's false positive: a token scan)
 */
import { isUtf8 } from 'node:buffer';
import { generateMessages } from '../scripts/generate-events.mjs';
import { envelopeDecoder } from '../dist/runtime/apply/message.js';

const arg = process.argv.indexOf('--count');
const count = arg > 0 ? Number(process.argv[arg + 1]) : 20_000;
const values = [];
for (const m of generateMessages({ count, bad: 0, duplicates: 0 })) {
  if (m.value !== undefined && m.value !== null) values.push(Buffer.from(typeof m.value === 'string' ? m.value : JSON.stringify(m.value), 'utf8'));
}
const bigIds = values.map((v, i) => Buffer.from(v.toString('utf8').replace(/"event_id":"[^"]*"/u, `"event_id":${9007199254740993n + BigInt(i)}`), 'utf8'));
// One field more in each value: a number past a double's digits, or the same digits as a string.
const withField = (field) => values.map((v, i) => Buffer.from(v.toString('utf8').replace(/^\{/u, `{"n":${field(i)},`), 'utf8'));
const bigNumbers = withField((i) => `${1234567890123456789n + BigInt(i)}.25`);
const digitStrings = withField((i) => `"${1234567890123456789n + BigInt(i)}"`);
const decode = envelopeDecoder({ type: '$.event_type', id: '$.event_id', entity: '$.entity_id', version: '$.entity_version', time: '$.timestamp', data: '$.data' });
const msg = (value) => ({ topic: 't', partition: 0, offset: 0, key: null, value });

function measure(name, list, f) {
  for (let r = 0; r < 3; r++) for (const v of list) f(v); // warm-up
  const rounds = 10;
  const t = process.hrtime.bigint();
  for (let r = 0; r < rounds; r++) for (const v of list) f(v);
  const ns = Number(process.hrtime.bigint() - t) / (rounds * list.length);
  return { name, ns };
}

const bytes = values.reduce((n, v) => n + v.length, 0) / values.length;
const rows = [
  measure('(a) toString + JSON.parse', values, (v) => JSON.parse(v.toString('utf8'))),
  measure('(b) isUtf8 alone', values, (v) => isUtf8(v)),
  measure('(c) envelope decoder', values, (v) => decode(msg(v))),
  measure('(d) envelope decoder, ids past 2^53', bigIds, (v) => decode(msg(v))),
  measure('(e) envelope decoder, an inexact number', bigNumbers, (v) => decode(msg(v))),
  measure('(f) envelope decoder, a 19-digit string', digitStrings, (v) => decode(msg(v))),
];
console.log(`${values.length} message values, ${bytes.toFixed(0)} bytes on average`);
for (const r of rows) console.log(`${r.name.padEnd(40)} ${r.ns.toFixed(0).padStart(7)} ns/message  ${(1e9 / r.ns / 1000).toFixed(0).padStart(6)} k/s`);
const check = bigIds.slice(0, 3).map((v) => decode(msg(v)).id);
console.log(`ids read back: ${check.join(', ')}`);
