/**
 * Map a path inside a spec document (JSON Pointer segments, as ajv reports them) back to the
 * YAML node it came from, and that node's offset to line and column.
 */
import { isMap, isPair, isScalar, isSeq, type Node, type Pair, type YAMLMap } from 'yaml';
import type { Diagnostic, DiagnosticCode, Severity } from '../diagnostics.js';
import type { SpecDocument } from './load.js';

export type Segment = string | number;
/** Point at a mapping entry's key (unknown keys, names) or at its value (the default). */
export type Target = 'key' | 'value';

export interface Location {
  line: number;
  col: number;
  source?: string;
}

/** "/on/a.created/0/set" → ["on", "a.created", 0, "set"] (RFC 6901 unescaping). */
export function parsePointer(pointer: string): Segment[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}

export function locate(spec: SpecDocument, path: readonly Segment[], target: Target = 'value'): Location {
  let node: unknown = spec.doc.contents;
  let offset = rangeStart(node) ?? 0;
  for (let i = 0; i < path.length; i++) {
    const seg = path[i];
    const last = i === path.length - 1;
    if (isMap(node)) {
      const pair = pairsOf(node).get(String(seg));
      if (!pair) break;
      if (last && target === 'key') {
        offset = rangeStart(pair.key) ?? offset;
        break;
      }
      // A key with no value (`insert:`) has a null value node; point at the key then.
      node = pair.value;
      offset = rangeStart(pair.value) ?? rangeStart(pair.key) ?? offset;
    } else if (isSeq(node) && typeof seg === 'number') {
      const item = node.items[seg];
      if (item === undefined) break;
      node = item;
      offset = rangeStart(item) ?? offset;
    } else {
      break;
    }
  }
  const pos = spec.lines.linePos(offset);
  return { line: pos.line, col: pos.col, source: spec.sourceLines[pos.line - 1] };
}

export function diagnosticAt(
  spec: SpecDocument,
  path: readonly Segment[],
  code: DiagnosticCode,
  message: string,
  target: Target = 'value',
  severity: Severity = 'error',
): Diagnostic {
  const loc = locate(spec, path, target);
  return { code, severity, message, file: spec.file, line: loc.line, col: loc.col, source: loc.source };
}

/**
 * A mapping's pairs by key, built once per node: a linear search per diagnostic made a file with
 * thousands of mistakes in one mapping quadratic. The last pair of a duplicated key wins, as in toJS.
 */
const PAIRS = new WeakMap<YAMLMap, Map<string, Pair>>();

function pairsOf(node: YAMLMap): Map<string, Pair> {
  let pairs = PAIRS.get(node);
  if (pairs === undefined) {
    pairs = new Map();
    for (const p of node.items) {
      const k = isPair(p) ? keyOf(p.key) : undefined;
      if (k !== undefined) pairs.set(k, p);
    }
    PAIRS.set(node, pairs);
  }
  return pairs;
}

function keyOf(key: unknown): string | undefined {
  // toJS turns a null key (`null:`, `~:`) into "".
  if (isScalar(key)) return key.value === null ? '' : String(key.value);
  return undefined;
}

function rangeStart(node: unknown): number | undefined {
  const range = (node as Node | null | undefined)?.range;
  return range ? range[0] : undefined;
}
