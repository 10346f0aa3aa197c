/**
 * The only reader of spec files. Each YAML document of a file is one projection; we keep the
 * parsed Document and a LineCounter so every later diagnostic can point at file:line:col.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { isScalar, LineCounter, parseAllDocuments, visit, type Document } from 'yaml';
import type { Diagnostic } from '../diagnostics.js';

export interface SpecDocument {
  /** Path as given or relative to the working directory, for messages. */
  file: string;
  /** Index of the document inside the file (0 for the first). */
  index: number;
  doc: Document.Parsed;
  lines: LineCounter;
  text: string;
  /** `text` split into lines once, for code frames (splitting per diagnostic made validate quadratic). */
  sourceLines: string[];
  /** Plain JS value of the document. */
  value: unknown;
}

export interface LoadedSpecs {
  documents: SpecDocument[];
  diagnostics: Diagnostic[];
  files: string[];
}

const SPEC_FILE = /\.ya?ml$/;
/** Fixture files of `sc-project test` live beside the specs and are not specs. */
const TEST_FILE = /\.test\.ya?ml$/;

/** Spec files under `path` (a file or a folder, searched recursively), sorted. */
export function listSpecFiles(path: string): string[] {
  return listFiles(path, SPEC_FILE, TEST_FILE);
}

/** Files under `path` whose names match `include` and not `exclude`; a file path is taken as is. */
export function listFiles(path: string, include: RegExp, exclude?: RegExp): string[] {
  const st = statSync(path);
  if (st.isFile()) return [path];
  const out: string[] = [];
  for (const entry of readdirSync(path, { withFileTypes: true })) {
    const full = join(path, entry.name);
    if (entry.isDirectory()) out.push(...listFiles(full, include, exclude));
    else if (include.test(entry.name) && !(exclude?.test(entry.name) ?? false)) out.push(full);
  }
  return out.sort();
}

export function displayPath(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel.startsWith('..') ? path : rel;
}

/**
 * Aliases are resolved by `toJS`, which throws on an alias without its anchor and on an alias bomb;
 * both are capped and reported here as located diagnostics, never as an exception.
 */
const MAX_ALIAS_COUNT = 100;

/** Parse YAML text into spec documents; syntax errors become diagnostics. */
export function parseSpecText(file: string, text: string): LoadedSpecs {
  const lines = new LineCounter();
  // yaml's own uniqueKeys check compares each key with every earlier one (quadratic in a mapping's
  // size); duplicateKeys does the same with a set.
  const parsed = parseAllDocuments(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: false });
  const docs = Array.isArray(parsed) ? parsed : [];
  const documents: SpecDocument[] = [];
  const diagnostics: Diagnostic[] = [];
  const sourceLines = text.split(/\r?\n/);
  const at = (offset: number): { line: number; col: number; source: string | undefined } => {
    const pos = lines.linePos(offset);
    return { line: pos.line, col: pos.col, source: sourceLines[pos.line - 1] };
  };
  let projections = 0;
  docs.forEach((doc, index) => {
    for (const err of [...doc.errors, ...doc.warnings]) {
      const message = err.message.split('\n')[0] ?? err.message;
      diagnostics.push({
        code: 'E_YAML_SYNTAX',
        severity: doc.errors.includes(err) ? 'error' : 'warning',
        message,
        file,
        ...at(errorOffset(text, err.code, err.message, err.pos[0])),
      });
    }
    for (const offset of duplicateKeys(doc)) {
      diagnostics.push({ code: 'E_DUPLICATE_KEY', severity: 'error', message: `duplicate key ${keyAt(text, offset)}: keys of a mapping must be unique`, file, ...at(offset) });
    }
    // An empty document (a trailing ---, or a comment-only file) is not a projection.
    if (doc.contents === null) return;
    projections++;
    // A duplicate key leaves a well-formed document (the first value wins, as in the JSON Schema
    // view of it): validate the rest so the duplicate does not hide the file's other mistakes.
    if (doc.errors.length > 0) return;
    const value = toValue(doc);
    if ('problem' in value) {
      diagnostics.push({ code: 'E_YAML_ALIAS', severity: 'error', message: value.problem, file, ...at(value.offset) });
      return;
    }
    documents.push({ file, index, doc, lines, text, sourceLines, value: value.value });
  });
  if (projections === 0 && diagnostics.length === 0) {
    diagnostics.push({ code: 'W_NO_PROJECTION', severity: 'warning', message: 'this file holds no projection (it is empty or only comments)', file, ...at(0) });
  }
  return { documents, diagnostics, files: [file] };
}

/** Offsets of keys that repeat an earlier key of the same mapping (scalar keys; `<<` merges aside). */
function duplicateKeys(doc: Document.Parsed): number[] {
  const out: number[] = [];
  visit(doc, {
    Map(_, map) {
      const seen = new Set<string>();
      for (const pair of map.items) {
        if (!isScalar(pair.key)) continue;
        const k = pair.key.value === null ? '' : String(pair.key.value);
        if (k === '<<') continue;
        if (seen.has(k)) out.push(pair.key.range?.[0] ?? 0);
        seen.add(k);
      }
    },
  });
  return out;
}

function toValue(doc: Document.Parsed): { value: unknown } | { problem: string; offset: number } {
  try {
    return { value: doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT }) };
  } catch (e) {
    const unresolved = /Unresolved alias/.test(e instanceof Error ? e.message : '');
    let offset = doc.contents?.range?.[0] ?? 0;
    let name = '';
    visit(doc, {
      Alias(_, node) {
        if (unresolved && node.resolve(doc) !== undefined) return undefined;
        offset = node.range?.[0] ?? offset;
        name = node.source;
        return visit.BREAK;
      },
    });
    const problem = unresolved
      ? `alias *${name} has no anchor &${name} before it: define the anchor first`
      : `aliases expand to more than ${MAX_ALIAS_COUNT} nodes (an alias bomb?): write the values out or use fewer aliases`;
    return { problem, offset };
  }
}

/**
 * yaml reports an unclosed `[` or `{` where the next line starts, which is not where the mistake
 * is; point at the bracket that is not closed instead.
 */
function errorOffset(text: string, code: string, message: string, offset: number): number {
  const close = code === 'BAD_INDENT' ? /end with a ([\]}])/.exec(message)?.[1] : undefined;
  if (close === undefined) return offset;
  const open = close === ']' ? '[' : '{';
  let depth = 0;
  for (let i = offset - 1; i >= 0; i--) {
    if (text[i] === close) depth++;
    else if (text[i] === open && depth-- === 0) return i;
  }
  return offset;
}

/** The key text at `offset` (yaml reports a duplicate key by its position only). */
function keyAt(text: string, offset: number): string {
  const key = /^(?:"[^"]*"|'[^']*'|[^:,{}\n]*)/.exec(text.slice(offset))?.[0].trim() ?? '';
  return JSON.stringify(key.replace(/^["']|["']$/g, ''));
}

/** Load every spec file under the given paths. */
export function loadSpecs(paths: string[]): LoadedSpecs {
  const result: LoadedSpecs = { documents: [], diagnostics: [], files: [] };
  for (const root of paths) {
    let files: string[];
    try {
      files = listSpecFiles(root);
    } catch (e) {
      result.diagnostics.push(ioError(root, e));
      continue;
    }
    for (const path of files) {
      const file = displayPath(path);
      let text: string;
      try {
        text = readFileSync(path, 'utf8');
      } catch (e) {
        result.diagnostics.push(ioError(file, e));
        continue;
      }
      const one = parseSpecText(file, text);
      result.documents.push(...one.documents);
      result.diagnostics.push(...one.diagnostics);
      result.files.push(file);
    }
  }
  if (result.files.length === 0 && result.diagnostics.length === 0) {
    result.diagnostics.push({
      code: 'E_NO_SPECS', severity: 'error', message: `no spec files (*.yaml, *.yml) found in ${paths.join(', ')}`,
      file: paths[0] ?? '.', line: 1, col: 1,
    });
  }
  return result;
}

function ioError(file: string, e: unknown): Diagnostic {
  const message = e instanceof Error ? e.message : String(e);
  return { code: 'E_IO', severity: 'error', message: `cannot read: ${message}`, file, line: 1, col: 1 };
}

/** Read a text file (used by `sc-project test` for fixtures and NDJSON references). */
export function readText(path: string): string {
  return readFileSync(path, 'utf8');
}
