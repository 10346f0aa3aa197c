/**
 * The integration tests' projection (test/integration/fixtures/flow.yaml) with unique topic and
 * group names: YAML cannot be parameterized, so the placeholders are replaced and the result is
 * written to a fresh temporary folder.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { uniqueName } from './services.js';

const TEMPLATE = new URL('../integration/fixtures/flow.yaml', import.meta.url);

export interface FlowNames {
  things: string;
  marks: string;
  group: string;
}

export interface WrittenSpec extends FlowNames {
  /** The folder holding flow.yaml (pass it as --config). */
  dir: string;
  /** Every topic the run touches, dead-letter topics included (to delete afterwards). */
  allTopics: string[];
  remove(): void;
}

/** Unique names for one test: topics `it-<test>-<random>.things` / `.marks`, group `it-<test>-<random>`. */
export function flowNames(test: string): FlowNames {
  const base = uniqueName(`it-${test}`);
  return { things: `${base}.things`, marks: `${base}.marks`, group: base };
}

export function writeSpec(names: FlowNames): WrittenSpec {
  const text = readFileSync(TEMPLATE, 'utf8')
    .replaceAll('__THINGS_TOPIC__', names.things)
    .replaceAll('__MARKS_TOPIC__', names.marks)
    .replaceAll('__GROUP__', names.group);
  const dir = mkdtempSync(join(tmpdir(), 'sc-it-spec-'));
  writeFileSync(join(dir, 'flow.yaml'), text);
  return {
    ...names, dir,
    allTopics: [names.things, names.marks, `${names.things}.dlq`, `${names.marks}.dlq`],
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
