/**
 * One extractor per handler: every event-rooted path its operations read, evaluated by a single
 * generated function that loads each shared prefix once (`$.data` for `$.data.a` and `$.data.b`)
 * and returns the values by slot. Per event that is one call instead of one per path, and
 * each handler's function sees only its own event type's shapes, so V8 keeps its property loads
 * monomorphic. Fallback paths (`*`, `..`) are read through their jsonpath-plus getters.
 */
import { compilePath, step } from './accessor.js';

/** The values of the handler's paths, by slot. */
export type Extractor = (root: unknown) => readonly unknown[];

/** Collects the paths of one handler, a slot each, while its operations are bound. */
export class PathSlots {
  private readonly paths: string[] = [];
  private readonly slots = new Map<string, number>();

  slot(path: string): number {
    let i = this.slots.get(path);
    if (i === undefined) {
      i = this.paths.length;
      this.paths.push(path);
      this.slots.set(path, i);
    }
    return i;
  }

  /** The extractor of every slot taken so far. */
  extractor(): Extractor {
    return compileExtractor(this.paths);
  }
}

interface TrieNode {
  name: string;
  children: Map<string, TrieNode>;
}

/** `paths[i]`'s value at index i of the result, for every path (definite or not). */
export function compileExtractor(paths: readonly string[]): Extractor {
  if (paths.length === 0) return () => [];
  const lines: string[] = [];
  const fallbacks: Array<(root: unknown) => unknown> = [];
  const root: TrieNode = { name: 'root', children: new Map() };
  let vars = 0;
  const results = paths.map((path) => {
    const compiled = compilePath(path);
    if (compiled.segments === null) {
      fallbacks.push(compiled.get);
      return `f[${fallbacks.length - 1}](root)`;
    }
    let node = root;
    for (const seg of compiled.segments) {
      // Numbers and names never share a key: `n:0` is an index, `s:0` the name "0".
      const key = typeof seg === 'number' ? `n:${seg}` : `s:${seg}`;
      let next = node.children.get(key);
      if (next === undefined) {
        next = { name: `v${vars++}`, children: new Map() };
        lines.push(`const ${next.name} = ${step(node.name, seg)};`);
        node.children.set(key, next);
      }
      node = next;
    }
    return node.name;
  });
  // A fresh array literal a call: cheaper in V8 than stores into a kept array (measured).
  const source = `'use strict';\n${lines.join('\n')}\nreturn [${results.join(', ')}];`;
  // eslint-disable-next-line @typescript-eslint/no-implied-eval -- generated from quoted names and integers only
  const build = new Function('f', `return function extract(root) {\n${source}\n};`) as (f: typeof fallbacks) => Extractor;
  return build(fallbacks);
}
