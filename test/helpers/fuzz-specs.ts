/**
 * Mutated specs for the validator fuzz tests: seeded, so a failure names a reproducible case.
 * The seeds are the shipped projections and the test fixtures; each case applies one to three
 * mutations, either to the YAML text (characters, lines, aliases, tabs) or to the parsed document
 * (values replaced, keys misspelt or dropped, hostile names and sizes), re-serialised.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments, stringify } from 'yaml';
import { rng } from './rng.js';

export interface FuzzCase {
  name: string;
  text: string;
}


function specFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const full = join(dir, e.name);
    if (e.isDirectory()) out.push(...specFiles(full));
    else if (/\.ya?ml$/.test(e.name) && !/\.test\.ya?ml$/.test(e.name)) out.push(full);
  }
  return out.sort();
}

export function seedSpecs(): Array<{ name: string; text: string }> {
  return ['projections', 'test/fixtures/specs', 'test/fixtures/invalid', 'test/fixtures/spec-test', 'test/integration/fixtures']
    .flatMap(specFiles)
    .map((f) => ({ name: f, text: readFileSync(f, 'utf8') }));
}

const CHARS = [':', '-', '[', ']', '{', '}', '*', '&', '!', '\t', '$', ' ', '\n', "'", '"', '#', '|', '>', ',', '?', '%', '@', '`', '\0', '\u00e9', '\ud83d\ude00'];
const VALUES: unknown[] = [
  null, true, false, 0, -1, 1.5, 1e300, -1e300, 2 ** 53 + 1, '', ' ', 'x', '$', '$.', '$..x', '$.data[', '$item', '$index', '$data.x', 'data.x', '.data.x',
  'entity_id', '__proto__', 'constructor', 'toString', 'TRUE', 'true', 'yes', '2026-02-30', '2026-01-01T00:00:00Z', 'x'.repeat(300), 'a'.repeat(70),
  [], {}, [1, 2], { const: 'x' }, { path: '$.x' }, { count: '$.x' }, { equals: ['$.a'] }, { coalesce: [] }, { map: '$.x', to: {} },
  { object: { __proto__x: 1 } }, { replace_in: [1e300], value: 1 }, { type: 'string', length: 16383 }, { type: 'decimal', precision: 65, scale: 30 },
  { type: 'datetime', default: 0 }, { type: 'boolean', default: 'true' }, 'string', 'text', 'int', 'bigint', 'decimal', 'boolean', 'datetime', 'json',
];
const KEYS = ['__proto__', 'constructor', 'on_conflit', 'set', 'where', 'by', 'key', 'unique', 'indexes', 'version', 'log', 'columns', 'for_each', 'guard', 'create_missing', 'Name', 'x'.repeat(65), 'a-b', ''];

function pick<T>(r: () => number, xs: readonly T[]): T {
  return xs[Math.floor(r() * xs.length)] as T;
}

function mutateText(r: () => number, text: string): string {
  const lines = text.split('\n');
  const at = Math.floor(r() * text.length);
  switch (Math.floor(r() * 9)) {
    case 0: return text.slice(0, at) + text.slice(at + 1 + Math.floor(r() * 4));
    case 1: return text.slice(0, at) + pick(r, CHARS) + text.slice(at);
    case 2: { const i = Math.floor(r() * lines.length); lines.splice(i, 0, lines[i] ?? ''); return lines.join('\n'); }
    case 3: { lines.splice(Math.floor(r() * lines.length), 1); return lines.join('\n'); }
    case 4: { const i = Math.floor(r() * lines.length); const j = Math.floor(r() * lines.length); [lines[i], lines[j]] = [lines[j] ?? '', lines[i] ?? '']; return lines.join('\n'); }
    case 5: { const i = Math.floor(r() * lines.length); lines[i] = (lines[i] ?? '').replace(/: .*$/, ': *a'); return lines.join('\n'); }
    case 6: { const i = Math.floor(r() * lines.length); lines[i] = (lines[i] ?? '').replace(/^ {2}/, '\t'); return lines.join('\n'); }
    case 7: { const i = Math.floor(r() * lines.length); lines[i] = (lines[i] ?? '').replace(/: (\S.*)$/, ': &a $1'); lines.push('extra: [*a, *a, *a]'); return lines.join('\n'); }
    default: return `${text}\n---\n${text.slice(0, at)}`;
  }
}

type Container = Record<string, unknown> | unknown[];

/** Every object or list inside `v`, with the keys of each. */
function containers(v: unknown, out: Container[] = [], depth = 0): Container[] {
  if (depth > 12 || v === null || typeof v !== 'object') return out;
  out.push(v as Container);
  for (const x of Object.values(v)) containers(x, out, depth + 1);
  return out;
}

function mutateValue(r: () => number, doc: unknown): unknown {
  const all = containers(doc);
  const c = all.length === 0 ? undefined : pick(r, all);
  if (c === undefined) return pick(r, VALUES);
  const keys = Object.keys(c);
  const key = keys.length === 0 ? undefined : pick(r, keys);
  const set = (k: string, v: unknown): void => {
    Object.defineProperty(c, k, { value: v, enumerable: true, writable: true, configurable: true });
  };
  switch (Math.floor(r() * 6)) {
    case 0: if (key !== undefined) set(key, structuredClone(pick(r, VALUES))); break;
    case 1: if (key !== undefined && !Array.isArray(c)) { const v = c[key]; delete c[key]; set(pick(r, KEYS), v); } break;
    case 2: if (key !== undefined) { if (Array.isArray(c)) c.splice(Number(key), 1); else delete c[key]; } break;
    case 3: if (key !== undefined && !Array.isArray(c)) { const v = c[key]; delete c[key]; set(key.slice(0, -1) || 'x', v); } break;
    case 4: if (key !== undefined) set(key, structuredClone(pick(r, all.filter((x) => x !== c)) ?? null)); break;
    default: if (!Array.isArray(c)) set(pick(r, KEYS), structuredClone(pick(r, VALUES)));
  }
  return doc;
}

/** `count` mutated specs from `seed`; the same arguments always give the same cases. */
export function fuzzCases(seed: number, count: number): FuzzCase[] {
  const seeds = seedSpecs();
  const r = rng(seed);
  const out: FuzzCase[] = [];
  for (let n = 0; n < count; n++) {
    const base = pick(r, seeds);
    let text = base.text;
    const steps = 1 + Math.floor(r() * 3);
    for (let s = 0; s < steps; s++) {
      if (r() < 0.5) {
        text = mutateText(r, text);
      } else {
        const docs = parseAllDocuments(text);
        const list = Array.isArray(docs) ? docs : [];
        if (list.some((d) => d.errors.length > 0) || list.length === 0) {
          text = mutateText(r, text);
          continue;
        }
        let values: unknown[];
        try {
          values = list.map((d) => d.toJS({ maxAliasCount: 100 }) as unknown);
        } catch {
          text = mutateText(r, text);
          continue;
        }
        const i = Math.floor(r() * values.length);
        values[i] = mutateValue(r, values[i]);
        text = values.map((v) => stringify(v, { aliasDuplicateObjects: false })).join('---\n');
      }
    }
    out.push({ name: `seed ${seed} case ${n} (from ${base.name})`, text });
  }
  return out;
}
