/** `sc-project test`: run spec fixtures (`*.test.yaml`), print a diff per failing case, exit 1 on failure. */
import { formatDiagnostics } from '../diagnostics.js';
import type { Closest } from '../testing/compare.js';
import { listFixtureFiles, loadFixtures } from '../testing/fixtures.js';
import { runCase, sqliteTemplate, type CaseResult } from '../testing/runner.js';
import { validatePaths } from '../validate/index.js';
import { EXIT_FAILED, EXIT_OK, result, type CommandResult } from './io.js';

export interface TestOptions {
  config: string[];
  fixtures: string[];
  databaseUrl?: string;
}

export async function testCommand(o: TestOptions): Promise<CommandResult> {
  const v = validatePaths(o.config);
  if (v.plan === undefined) return result(EXIT_FAILED, '', formatDiagnostics(v.diagnostics, 'text') + '\n');
  const files = listFixtureFiles(o.fixtures.length > 0 ? o.fixtures : o.config);
  const loaded = loadFixtures(files);
  if (loaded.diagnostics.some((d) => d.severity === 'error')) return result(EXIT_FAILED, '', formatDiagnostics(loaded.diagnostics, 'text') + '\n');
  if (loaded.cases.length === 0) return result(EXIT_FAILED, '', `no test cases found (*.test.yaml) in ${(o.fixtures.length ? o.fixtures : o.config).join(', ')}\n`);
  const lines: string[] = [];
  let failed = 0;
  const template = o.databaseUrl === undefined ? await sqliteTemplate(v.plan) : undefined;
  const target = template !== undefined ? { template: template.path } : { databaseUrl: o.databaseUrl as string };
  for (const c of loaded.cases) {
    const r = await runCase(v.plan, c, target);
    const ok = r.error === undefined && r.diffs.length === 0;
    if (!ok) failed++;
    lines.push(`${ok ? 'PASS' : 'FAIL'} ${c.file}:${c.line} ${c.name}`);
    if (!ok) lines.push(...describeFailure(r));
  }
  template?.remove();
  lines.push(`${loaded.cases.length - failed} passed, ${failed} failed (${files.length} fixture file(s))`);
  return result(failed > 0 ? EXIT_FAILED : EXIT_OK, lines.join('\n') + '\n');
}

/** Which columns the actual row nearest to a missing one gets wrong: a long row's one bad value is easy to miss. */
function describeClosest(near: Closest | undefined): string[] {
  if (near === undefined || near.columns.length === 0) return [];
  const found = (v: unknown) => (v === undefined ? 'no such column' : JSON.stringify(v));
  return [`      closest row (${near.key}) differs in:`, ...near.columns.map((c) => `        ${c.column}: expected ${JSON.stringify(c.expected)}, found ${found(c.found)}`)];
}

function describeFailure(r: CaseResult): string[] {
  if (r.error !== undefined) return [`  error: ${r.error}`];
  const out: string[] = [];
  if (r.pass !== undefined && r.pass > 1) out.push(`  after replay ${r.pass - 1} (the same messages redelivered): rows changed`);
  for (const d of r.diffs) {
    out.push(`  table ${d.table}:`);
    for (const p of d.problems) out.push(`    ${p}`);
    d.missing.forEach((m, i) => {
      out.push(`    - expected ${JSON.stringify(m)}`);
      out.push(...describeClosest(d.closest?.[i]));
    });
    for (const u of d.unexpected) out.push(`    + actual   ${JSON.stringify(u)}`);
  }
  return out;
}
