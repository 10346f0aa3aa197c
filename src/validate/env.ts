/**
 * The environment pre-pass of validation: before the schema sees a projection, the fields that
 * may hold `${NAME:-default}` references are resolved (group, topics, and the endpoint, flush,
 * retry and dedupe settings of outputs). A reference that cannot be resolved is reported at its
 * file:line:col, so `validate` and `run` both fail at start, naming the variable, never at the
 * first flush. Numeric settings given as references become numbers.
 * Header values are only checked here: they stay as written in the plan (secrets) and the
 * runtime resolves them at start with the same rules.
 */
import type { Diagnostic } from '../diagnostics.js';
import { diagnosticAt, type Segment } from '../spec/locate.js';
import type { SpecDocument } from '../spec/load.js';
import { substituteEnv, type Env } from '../spec/env.js';

const NUMERIC: Record<string, readonly string[]> = {
  http: ['timeout'],
  flush: ['interval', 'max_records', 'max_bytes'],
  retry: ['retries', 'base', 'multiplier', 'max_delay'],
  dedupe: ['ttl'],
};

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);

export function resolveEnvRefs(doc: SpecDocument, env: Env, out: Diagnostic[]): unknown {
  if (!isObj(doc.value)) return doc.value;
  const root: Obj = { ...doc.value };
  const resolve = (path: Segment[], v: unknown, numeric: boolean, keep = false): unknown => {
    if (typeof v !== 'string') return v;
    const r = substituteEnv(v, env);
    if (!r.ok) {
      for (const name of r.missing) out.push(diagnosticAt(doc, path, 'E_ENV_MISSING', `environment variable ${name} is not set and the reference has no default (write \${${name}:-default})`));
      return v;
    }
    if (keep) return v;
    if (numeric && /^\s*-?\d+(\.\d+)?\s*$/.test(r.value)) return Number(r.value);
    return r.value;
  };
  root.group = resolve(['group'], root.group, false);
  if (Array.isArray(root.topics)) root.topics = root.topics.map((t, i) => resolve(['topics', i], t, false));
  if (isObj(root.outputs)) {
    const outputs: Obj = {};
    for (const [name, o] of Object.entries(root.outputs)) {
      if (!isObj(o)) {
        outputs[name] = o;
        continue;
      }
      const copy: Obj = { ...o };
      for (const section of ['http', 'flush', 'retry', 'dedupe'] as const) {
        const s = copy[section];
        if (!isObj(s)) continue;
        const c: Obj = { ...s };
        for (const [k, v] of Object.entries(s)) {
          if (section === 'dedupe' && k === 'content') continue;
          if (section === 'http' && k === 'headers' && isObj(v)) {
            for (const [h, hv] of Object.entries(v)) resolve(['outputs', name, 'http', 'headers', h], hv, false, true);
            continue;
          }
          c[k] = resolve(['outputs', name, section, k], v, (NUMERIC[section] ?? []).includes(k));
        }
        copy[section] = c;
      }
      copy.max_buffered = resolve(['outputs', name, 'max_buffered'], copy.max_buffered, true);
      if (copy.max_buffered === undefined) delete copy.max_buffered;
      outputs[name] = copy;
    }
    root.outputs = outputs;
  }
  return root;
}
