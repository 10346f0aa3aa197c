/**
 * The only reader of spec files. Each YAML document of a file is one projection; we keep the
 * parsed Document and a LineCounter so every later diagnostic can point at file:line:col.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { LineCounter, parseAllDocuments, type Document } from 'yaml';
import type { Diagnostic } from '../diagnostics.js';

export interface SpecDocument {
  /** Path as given or relative to the working directory, for messages. */
  file: string;
  /** Index of the document inside the file (0 for the first). */
  index: number;
  doc: Document.Parsed;
  lines: LineCounter;
  text: string;
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

/** Parse YAML text into spec documents; syntax errors become diagnostics. */
export function parseSpecText(file: string, text: string): LoadedSpecs {
  const lines = new LineCounter();
  const parsed = parseAllDocuments(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const docs = Array.isArray(parsed) ? parsed : [];
  const documents: SpecDocument[] = [];
  const diagnostics: Diagnostic[] = [];
  const sourceLines = text.split(/\r?\n/);
  docs.forEach((doc, index) => {
    for (const err of [...doc.errors, ...doc.warnings]) {
      const pos = lines.linePos(errorOffset(text, err.code, err.message, err.pos[0]));
      const duplicate = err.code === 'DUPLICATE_KEY';
      const message = err.message.split('\n')[0] ?? err.message;
      diagnostics.push({
        code: duplicate ? 'E_DUPLICATE_KEY' : 'E_YAML_SYNTAX',
        severity: doc.errors.includes(err) ? 'error' : 'warning',
        message: duplicate ? `duplicate key ${keyAt(text, err.pos[0])}: keys of a mapping must be unique` : message,
        file,
        line: pos.line,
        col: pos.col,
        source: sourceLines[pos.line - 1],
      });
    }
    // An empty document (a trailing ---, or a comment-only file) is not a projection.
    if (doc.errors.length === 0 && doc.contents !== null) {
      documents.push({ file, index, doc, lines, text, value: doc.toJS({ maxAliasCount: 100 }) });
    }
  });
  return { documents, diagnostics, files: [file] };
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
