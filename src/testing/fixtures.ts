/** Loading `*.test.yaml` fixture files: cases with their source lines, messages as NDJSON lines. */
import { dirname, resolve } from 'node:path';
import Ajv2020Module from 'ajv/dist/2020.js';
import { isMap, isSeq, type Node } from 'yaml';
import type { Diagnostic } from '../diagnostics.js';
import { listFiles, parseSpecText, readText, type SpecDocument } from '../spec/load.js';
import { diagnosticAt, parsePointer } from '../spec/locate.js';
import { fixtureSchema } from '../spec/schema-file.js';

/** What a case expects of a table: its exact rows (the columns to compare), or only how many. */
export type TableExpectation = Array<Record<string, unknown>> | { count: number };

export interface FixtureCase {
  name: string;
  file: string;
  line: number;
  /** One `{"topic","key"|"key_b64","value"|"value_raw"|"value_b64","headers"}` JSON text a message. */
  messages: string[];
  expect: Record<string, TableExpectation>;
  deadLetters?: number;
  ordered: boolean;
  replay: number;
  /** Flush every HTTP output after this many messages (a `flush: true` step of `given`). */
  flushes: number[];
  /** HTTP output → the bodies it must send (fields to compare). */
  sent?: Record<string, Array<Record<string, unknown>>>;
  /** The fixture file's `schemas:`: schema id → its .avsc, .proto or .json file (an absolute path). */
  schemas?: Map<number, string>;
}

interface RawCase {
  name: string;
  given: Array<{ topic?: string; key?: string | null; key_b64?: string; value?: unknown; value_raw?: string; value_b64?: string; headers?: Record<string, unknown>; file?: string; flush?: true }>;
  sent?: Record<string, Array<Record<string, unknown>>>;
  expect?: Record<string, TableExpectation>;
  dead_letters?: number;
  ordered?: boolean;
  replay?: number;
}

const Ajv2020 = Ajv2020Module.default;
const check = new Ajv2020({ allErrors: true, strictRequired: false }).compile<{ tests: RawCase[]; schemas?: Record<string, string> }>(fixtureSchema);

export function listFixtureFiles(paths: string[]): string[] {
  return paths.flatMap((p) => listFiles(p, /\.test\.ya?ml$/));
}

export function loadFixtures(files: string[]): { cases: FixtureCase[]; diagnostics: Diagnostic[] } {
  const cases: FixtureCase[] = [];
  const diagnostics: Diagnostic[] = [];
  for (const file of files) {
    const parsed = parseSpecText(file, readText(file));
    diagnostics.push(...parsed.diagnostics);
    for (const doc of parsed.documents) {
      if (!check(doc.value)) {
        // An `if` error only says that its branch failed, at the same place as the branch's own errors.
        for (const e of (check.errors ?? []).filter((x) => x.keyword !== 'if')) diagnostics.push(diagnosticAt(doc, parsePointer(e.instancePath), 'E_SCHEMA', `fixture: ${e.message ?? e.keyword}${e.params && 'additionalProperty' in e.params ? ` (${String(e.params.additionalProperty)})` : ''}`));
        continue;
      }
      const given = doc.value.schemas;
      const schemas = given === undefined ? undefined : new Map(Object.entries(given).map(([id, f]) => [Number(id), resolve(dirname(doc.file), f)]));
      doc.value.tests.forEach((c, i) => {
        try {
          cases.push({ ...toCase(doc, c, i), ...(schemas !== undefined ? { schemas } : {}) });
        } catch (e) {
          diagnostics.push(diagnosticAt(doc, ['tests', i, 'given'], 'E_IO', e instanceof Error ? e.message : String(e)));
        }
      });
    }
  }
  return { cases, diagnostics };
}

function toCase(doc: SpecDocument, c: RawCase, i: number): FixtureCase {
  const messages: string[] = [];
  const flushes: number[] = [];
  for (const g of c.given) {
    if (g.flush === true) {
      flushes.push(messages.length);
    } else if (g.file !== undefined) {
      const path = resolve(dirname(doc.file), g.file);
      messages.push(...readText(path).split(/\r?\n/).filter((l) => l.trim() !== ''));
    } else {
      messages.push(JSON.stringify(g));
    }
  }
  const c2: FixtureCase = { name: c.name, file: doc.file, line: lineOf(doc, i), messages, expect: c.expect ?? {}, ordered: c.ordered ?? false, replay: c.replay ?? 1, flushes };
  if (c.dead_letters !== undefined) c2.deadLetters = c.dead_letters;
  if (c.sent !== undefined) c2.sent = c.sent;
  return c2;
}

function lineOf(doc: SpecDocument, i: number): number {
  const tests = isMap(doc.doc.contents) ? doc.doc.contents.get('tests', true) : undefined;
  const node = isSeq(tests) ? (tests.items[i] as Node | undefined) : undefined;
  return doc.lines.linePos(node?.range?.[0] ?? 0).line;
}
