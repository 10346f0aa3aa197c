/** Checks on the repository itself: the README's YAML parses as specs, the reference is fresh, src/ is domain-free. */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import Ajv2020Module from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { parseSpecText } from '../../src/spec/load.js';
import { fixtureSchema } from '../../src/spec/schema-file.js';
import { validateLoaded } from '../../src/validate/index.js';

const README = readFileSync('README.md', 'utf8');
const checkFixture = new Ajv2020Module.default({ allErrors: true, strictRequired: false }).compile(fixtureSchema);

function yamlBlocks(md: string): string[] {
  return [...md.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1] ?? '');
}

describe('README', () => {
  it('has YAML examples that are valid specs (or valid fixtures)', () => {
    const blocks = yamlBlocks(README);
    expect(blocks.length).toBeGreaterThan(1);
    for (const block of blocks) {
      const doc = parse(block) as Record<string, unknown>;
      if ('tests' in doc) {
        expect(checkFixture(doc), JSON.stringify(checkFixture.errors)).toBe(true);
        continue;
      }
      // The "Operating it" examples: a Kubernetes probe and Prometheus alert rules, not specs.
      if ('livenessProbe' in doc || 'groups' in doc) continue;
      const v = validateLoaded(parseSpecText('README.md', block));
      expect(v.diagnostics.map((d) => `${d.line}:${d.col} ${d.code} ${d.message}`)).toEqual([]);
    }
  });

  it('has a spec reference generated from the current schema', () => {
    expect(() => execFileSync('node', ['scripts/spec-reference.mjs', '--check'], { stdio: 'pipe' })).not.toThrow();
  });

  it('gives exactly two set-up commands', () => {
    const quickStart = README.slice(README.indexOf('## Quick start'), README.indexOf('## The spec language'));
    expect([...quickStart.matchAll(/```sh\n/g)]).toHaveLength(2);
  });
});

/**
 * The engine is generic: domain words belong in projections/ and tests, never in src/. Words in
 * capitals are protocol keywords that happen to spell one (SQL's ORDER BY, HTTP's POST).
 */
const DOMAIN = /\b(users?|orders?|products?|promotions?|posts?|communit(y|ies)|suppliers?|feeds?|cards?)\b/gi;
const isDomainWord = (line: string): boolean => [...line.matchAll(DOMAIN)].some((m) => m[0] !== m[0].toUpperCase());

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? files(p) : [p];
  });
}

describe('src/', () => {
  it('contains no domain word', () => {
    const hits = files('src')
      .filter((f) => !f.endsWith('.test.ts'))
      .flatMap((f) => readFileSync(f, 'utf8').split('\n').map((line, i) => ({ f, i, line })))
      .filter(({ line }) => isDomainWord(line))
      .map(({ f, i, line }) => `${f}:${i + 1}: ${line.trim()}`);
    expect(hits).toEqual([]);
  });
});
