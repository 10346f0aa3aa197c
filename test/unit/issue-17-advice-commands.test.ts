/**
 * Issue 17, item 4: every command line the tool prints as advice works as printed. In a temp dir
 * on the embedded default (`run --from`, no --database-url), a spec change makes `run` log its
 * remedies, `rebuild` print its next step and refuse a second rebuild, `status` report the swap;
 * each advice command found in what they printed is then run through the real CLI
 * (`node bin/sc-project.js`, the built dist/) and must not fail on usage (exit 2). Templates with
 * `<…>` (what the printing command cannot know) are not command lines and are left out.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, ROOT } from '../helpers/runner.js';

const spec = (extra: string) => `
projection: tallies
group: g
topics: [t]
tables:
  tallies:
    key: [id]
    columns:
      id: { type: string, length: 16 }
      n: { type: int, default: 0 }
${extra.includes('note') ? '      note: { type: string, length: 16, nullable: true }\n' : ''}on:
  tally.created:
    - insert: tallies
      set: { id: $.data.id }
  tally.bumped:
    - increment: tallies
      where: { id: $.data.id }
      by: { n: 1 }
${extra}`;

const NOTED = `  tally.noted:
    - update: tallies
      where: { id: $.data.id }
      set: { note: $.data.note }
`;

const line = (type: string, id: string, data: Record<string, unknown>) => JSON.stringify({ topic: 't', key: null, value: { event_type: type, event_id: id, entity_id: 'x', data } });

let dir: string;

function cli(args: string[]): { code: number; out: string } {
  // The embedded default only: no database or brokers from the environment.
  const { DATABASE_URL: _d, KAFKA_BROKERS: _k, ...env } = process.env;
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: dir, encoding: 'utf8', env, timeout: 120_000 });
  return { code: r.status ?? -1, out: `${r.stdout}\n${r.stderr}` };
}

/**
 * The advice command lines in a command's output: `sc-project <command> …` up to the first word of
 * prose (`sc-project rebuild: …` is the prefix of an error message, not advice).
 */
function adviceIn(text: string): string[][] {
  const out: string[][] = [];
  for (const m of text.matchAll(/sc-project (rebuild|cleanup|run|ddl|status)\b(?!:)((?:(?!sc-project )[^\n"])*)/gu)) {
    const words = [m[1] as string];
    const rest = (m[2] ?? '').trim().split(/\s+/u).filter(Boolean);
    for (let i = 0; i < rest.length; i++) {
      const w = rest[i] as string;
      if (w.startsWith('--')) {
        words.push(w);
        if (['--config', '--from', '--database-url'].includes(w)) words.push(rest[++i] as string);
        continue;
      }
      // A projection name ends the command when it carries the closing punctuation of the prose.
      const bare = w.replace(/[),;]+$/u, '');
      if (!/^[\w.-]+$/u.test(bare) || ['drops', 'to', 'shows', 'runs', 'first', 'or'].includes(bare)) break;
      words.push(bare);
      if (bare !== w) break;
    }
    if (!words.some((w) => w.includes('<'))) out.push(words);
  }
  return out;
}

beforeAll(() => {
  if (!existsSync(join(ROOT, 'dist/cli/main.js'))) execFileSync('npx', ['tsc', '-p', 'tsconfig.json'], { cwd: ROOT, stdio: 'inherit' });
  dir = mkdtempSync(join(tmpdir(), 'sc-advice-'));
  writeFileSync(join(dir, 'v1.yaml'), spec(''));
  writeFileSync(join(dir, 'v2.yaml'), spec(NOTED));
  writeFileSync(join(dir, 'events.ndjson'), [line('tally.created', 'e1', { id: 'a' }), line('tally.bumped', 'e2', { id: 'a' }), line('tally.noted', 'e3', { id: 'a', note: 'hi' })].join('\n') + '\n');
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('advice printed on the embedded default works as printed', () => {
  it('finds the advice of run, rebuild and status, and runs each through the real CLI', () => {
    const printed: string[] = [];
    const step = (args: string[], codes: number[]) => {
      const r = cli(args);
      expect(codes, `sc-project ${args.join(' ')} exited ${r.code}:\n${r.out}`).toContain(r.code);
      printed.push(r.out);
      return r.out;
    };
    step(['run', '--config', 'v1.yaml', '--from', 'events.ndjson', '--no-progress'], [0]);
    // The spec gains a column and a handler: run logs the drift and the rebuild it needs.
    const drift = step(['run', '--config', 'v2.yaml', '--from', 'events.ndjson', '--no-progress', '--log-format', 'json'], [0]);
    expect(drift).toContain('"remedy":"sc-project rebuild tallies --config v2.yaml --from events.ndjson');
    expect(drift).toContain('sc-project ddl --diff --config v2.yaml --database-url sqlite:./sc-project.db shows');
    step(['rebuild', 'tallies', '--config', 'v2.yaml', '--from', 'events.ndjson', '--no-progress'], [0]);
    expect(printed.at(-1)).toContain('drop the kept tables with: sc-project cleanup tallies\n');
    // Another rebuild (back to v1) finds the kept tables and says how to drop them; status says the same.
    step(['rebuild', 'tallies', '--config', 'v1.yaml', '--from', 'events.ndjson', '--no-progress'], [1]);
    expect(printed.at(-1)).toContain('drop it with sc-project cleanup tallies, or rebuild with --drop-old');
    step(['status', '--config', 'v2.yaml'], [0]);
    expect(printed.at(-1)).toContain('sc-project cleanup tallies drops them');
    const commands = printed.flatMap(adviceIn);
    const kinds = new Set(commands.map((c) => c[0]));
    expect([...kinds].sort()).toEqual(['cleanup', 'ddl', 'rebuild', 'run']);
    for (const c of commands) {
      const r = cli(c);
      expect(r.code, `advice "sc-project ${c.join(' ')}" failed on usage:\n${r.out}`).not.toBe(2);
      expect(r.out).not.toMatch(/no database: give|unknown option|needs --database-url/u);
    }
  }, 300_000);
});
