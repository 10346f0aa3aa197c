/**
 * Issue 17, item 7: `npm pack` makes a package whose bin works from any directory, also when packed
 * from a clone that was never built. Without network, all in a temp dir: the package's files are
 * copied to a clone with no dist/, packed there, unpacked elsewhere beside a link to this
 * repository's node_modules (what installing the package would provide), and its bin is run from
 * yet another directory through a symlink, as npm's bin directory holds it.
 *
 * Fast: the clone's `build` script copies this repository's built dist/ instead of running tsc a
 * second time (that compile is the one every test of the bin relies on); what is tested is that
 * `npm pack` runs the build (prepack) and that the result works from anywhere.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/runner.js';

interface Pkg { version: string; scripts: Record<string, string> }

const PKG = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as Pkg;
const SPEC = `
projection: tallies
group: g
topics: [t]
tables:
  tallies:
    key: [id]
    columns:
      id: { type: string, length: 16 }
on:
  tally.created:
    - insert: tallies
      set: { id: $.data.id }
`;

let dir: string;
let bin: string;
let work: string;
let packed: string[];

beforeAll(() => {
  if (!existsSync(join(ROOT, 'dist/cli/main.js'))) execFileSync('npx', ['tsc', '-p', 'tsconfig.json'], { cwd: ROOT, stdio: 'inherit' });
  dir = mkdtempSync(join(tmpdir(), 'sc-pack-'));
  const clone = join(dir, 'clone');
  mkdirSync(clone);
  for (const f of ['README.md', 'tsconfig.json', 'src', 'bin', 'schemas']) cpSync(join(ROOT, f), join(clone, f), { recursive: true });
  writeFileSync(join(clone, 'copy-dist.cjs'), `require('fs').cpSync(${JSON.stringify(join(ROOT, 'dist'))}, 'dist', { recursive: true });\n`);
  writeFileSync(join(clone, 'package.json'), JSON.stringify({ ...PKG, scripts: { ...PKG.scripts, build: 'node copy-dist.cjs' } }, null, 2));
  symlinkSync(join(ROOT, 'node_modules'), join(clone, 'node_modules'), 'dir');
  execFileSync('npm', ['pack', '--pack-destination', dir], { cwd: clone, stdio: 'pipe', env: { ...process.env, npm_config_offline: 'true' } });
  const tgz = join(dir, `sc-project-${PKG.version}.tgz`);
  packed = execFileSync('tar', ['tzf', tgz], { encoding: 'utf8' }).split('\n').filter((f) => f !== '');
  const installed = join(dir, 'installed');
  mkdirSync(installed);
  execFileSync('tar', ['xzf', tgz, '-C', installed]);
  symlinkSync(join(ROOT, 'node_modules'), join(installed, 'package', 'node_modules'), 'dir');
  mkdirSync(join(dir, 'bin'));
  bin = join(dir, 'bin', 'sc-project');
  symlinkSync(join(installed, 'package', 'bin', 'sc-project.js'), bin);
  work = join(dir, 'work');
  mkdirSync(join(work, 'projections'), { recursive: true });
  writeFileSync(join(work, 'projections', 'tallies.yaml'), SPEC);
}, 120_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

function sc(command: string, args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(command, args, { cwd: work, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('the packed package', () => {
  it('is built by npm pack and holds dist, the bin and the schemas, no sources or tests', () => {
    expect(packed).toContain('package/dist/cli/main.js');
    expect(packed).toContain('package/bin/sc-project.js');
    expect(packed).toContain('package/schemas/projection.schema.json');
    expect(packed).toContain('package/schemas/fixture.schema.json');
    expect(packed.filter((f) => f.startsWith('package/src/') || f.includes('.test.'))).toEqual([]);
  });

  it('runs from another directory through a symlinked bin: --help, --version and validate', () => {
    const help = sc(bin, ['--help']);
    expect(help.code, help.stderr).toBe(0);
    expect(help.stdout).toContain('Usage: sc-project');
    expect(sc(bin, ['--version'])).toMatchObject({ code: 0, stdout: `${PKG.version}\n` });
    const ok = sc(bin, ['validate']);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/^ok: 1 file\(s\), 1 projection\(s\), 1 table\(s\)/u);
    // The JSON Schema is the package's own: a schema error is found and located.
    writeFileSync(join(work, 'bad.yaml'), 'projection: bad\ngroup: g\ntopics: [t]\ntables: {}\non: {}\nextra: 1\n');
    const bad = sc(bin, ['validate', '--config', 'bad.yaml']);
    expect(bad.code).toBe(1);
    expect(bad.stdout + bad.stderr).toMatch(/bad\.yaml:\d+:\d+/u);
  });

  it('says to build, without a stack trace, when run from a clone that was never built', () => {
    const unbuilt = join(dir, 'unbuilt');
    cpSync(join(ROOT, 'bin'), join(unbuilt, 'bin'), { recursive: true });
    const r = sc('node', [join(unbuilt, 'bin', 'sc-project.js'), '--help']);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`sc-project: ${join(unbuilt, 'dist')} is missing: build it first (npm run build)\n`);
  });
});
