/**
 * Migrations on real databases (MariaDB, PostgreSQL and SQLite): `ddl --diff` prints the ALTER statements the
 * specs need, `ddl --apply` runs only the safe ones and exits 1 while a change that needs a
 * rebuild is left; `run --migrate` applies them at start; the stored spec fingerprint makes `run`
 * say what changed and which remedy applies.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { validatePaths } from '../../src/validate/index.js';
import { openKnex, parseDatabaseUrl } from '../../src/sql/connection.js';
import { introspect } from '../../src/sql/introspect.js';
import { specStatus } from '../../src/runtime/lifecycle/fingerprints.js';
import { createRuntime } from '../../src/runtime/runtime.js';
import { BIN, ROOT, captureLogger, type LogLine } from '../helpers/runner.js';
import { testResources } from '../helpers/scenario.js';
import { eachServer } from '../helpers/services.js';
import { flowNames, writeSpec } from '../helpers/spec.js';
import { generateStream, toNdjson } from '../helpers/stream.js';

const { skip, servers } = eachServer();

function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { cwd: ROOT, timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ code: err === null ? 0 : Number((err as { code?: unknown }).code ?? 1), stdout, stderr });
    });
  });
}

/** v2 of the flow spec: a new column and its handler, a wider string, a new index; optionally a narrowed column. */
function v2(text: string, narrow: boolean): string {
  let t = text
    .replace('      name:           { type: string, length: 64, nullable: true }', '      name:           { type: string, length: 128, nullable: true }\n      view_count:     { type: int, default: 0 }')
    .replace('  marks:\n    key: [mark_id]\n    indexes: [[thing_id]]', '  marks:\n    key: [mark_id]\n    indexes: [[thing_id], [status]]')
    .replace('  mark.added:\n', '  thing.viewed:\n    - increment: things\n      where: { thing_id: $.entity_id }\n      by: { view_count: 1 }\n\n  mark.added:\n');
  if (narrow) t = t.replace('      status:     { type: string, length: 16 }', '      status:     { type: string, length: 8 }');
  return t;
}

async function columns(url: string, table: string): Promise<Record<string, string>> {
  const db = openKnex(url);
  try {
    const live = await introspect(db, parseDatabaseUrl(url).kind);
    return Object.fromEntries((live.get(table)?.columns ?? []).map((c) => [c.name, c.type]));
  } finally {
    await db.destroy();
  }
}

describe.skipIf(skip)('migrations: ddl --diff, ddl --apply, run --migrate, spec fingerprints', () => {
  const { onCleanup } = testResources();

  for (const kind of [...servers.map((server) => server.kind), 'sqlite' as const]) {
    it(`${kind}: --diff prints the ALTERs, --apply runs only the safe ones and exits 1 while a rebuild is needed`, async () => {
      const spec = writeSpec(flowNames(`mig-${kind}`));
      onCleanup(() => spec.remove());
      let url: string;
      const server = servers.find((x) => x.kind === kind);
      if (server !== undefined) {
        const db = await server.fresh('sc_it_mig');
        onCleanup(() => db.drop());
        url = db.url;
      } else {
        const dir = mkdtempSync(join(tmpdir(), 'sc-mig-'));
        onCleanup(() => rmSync(dir, { recursive: true, force: true }));
        url = `sqlite:${join(dir, 'db.sqlite')}`;
      }
      const base = ['--config', spec.dir, '--database-url', url];
      expect((await cli(['ddl', '--apply', ...base])).code).toBe(0);
      expect(await cli(['ddl', '--diff', ...base])).toMatchObject({ code: 0 });

      const file = join(spec.dir, 'flow.yaml');
      const v1 = readFileSync(file, 'utf8');
      writeFileSync(file, v2(v1, true));
      const diff = await cli(['ddl', '--diff', ...base]);
      expect(diff.code).toBe(1);
      expect(diff.stdout).toMatch(/things\.view_count: add column/);
      expect(diff.stdout).toMatch(/marks\.status: narrow, varchar\(16\) not null → varchar\(8\) not null: not safe .*sc-project rebuild it-flow/);
      if (kind === 'mysql') {
        expect(diff.stdout).toContain('alter table `things` add `view_count` int not null default 0;');
        expect(diff.stdout).toContain('alter table `things` modify `name` varchar(128) null;');
      } else if (kind === 'postgres') {
        expect(diff.stdout).toContain('alter table "things" add column "view_count" integer not null default 0;');
        expect(diff.stdout).toContain('alter table "things" alter column "name" drop default, alter column "name" drop not null, alter column "name" type varchar(128) using ("name"::varchar(128));');
      } else {
        expect(diff.stdout).toContain('alter table `things` add column `view_count` integer not null default 0;');
        expect(diff.stdout).toMatch(/things\.name: widen, .*SQLite cannot alter a column/);
      }
      expect(diff.stdout).toContain('create index if not exists');

      const apply = await cli(['ddl', '--apply', ...base]);
      expect(apply.code, apply.stdout + apply.stderr).toBe(1);
      expect(apply.stderr).toMatch(/marks\.status: narrow.*not applied.*sc-project rebuild it-flow/);
      const things = await columns(url, 'things');
      expect(things.view_count).toBe(kind === 'mysql' ? 'int' : 'integer');
      expect(things.name).toBe(kind === 'sqlite' ? 'varchar(64)' : 'varchar(128)');
      expect((await columns(url, 'marks')).status).toBe('varchar(16)');
      const after = await cli(['ddl', '--diff', ...base]);
      expect(after.stdout).not.toMatch(/view_count/);
      expect(after.code).toBe(1);

      // Without the narrowing (and on SQLite, without the widening it cannot do) nothing is left.
      writeFileSync(file, v2(v1, false).replace(kind === 'sqlite' ? 'length: 128, nullable: true }\n      view_count' : '\u0000', 'length: 64, nullable: true }\n      view_count'));
      expect((await cli(['ddl', '--apply', ...base])).code).toBe(0);
      expect(await cli(['ddl', '--diff', ...base])).toMatchObject({ code: 0 });
    }, 120_000);
  }

  it('run records the spec fingerprint, --migrate adds the column, and a new handler is reported as needing a rebuild', async () => {
    const spec = writeSpec(flowNames('fp'));
    const dir = mkdtempSync(join(tmpdir(), 'sc-fp-'));
    onCleanup(() => spec.remove(), () => rmSync(dir, { recursive: true, force: true }));
    const url = `sqlite:${join(dir, 'db.sqlite')}`;
    const input = join(dir, 'in.ndjson');
    writeFileSync(input, toNdjson(generateStream({ seed: 5, topics: spec, things: 50, marks: 50, unhandled: 10 })));
    const run = async (migrate: boolean): Promise<LogLine[]> => {
      const lines: LogLine[] = [];
      const rt = await createRuntime({ config: spec.dir, databaseUrl: url, from: input, statsInterval: 0, migrate, logger: captureLogger(lines) });
      await rt.start();
      await rt.done;
      return lines;
    };
    await run(false);
    const plan1 = validatePaths([spec.dir]).plan;
    expect((await specStatus(url, plan1 as NonNullable<typeof plan1>))[0]).toMatchObject({ projection: 'it-flow', remedy: 'none' });

    const file = join(spec.dir, 'flow.yaml');
    writeFileSync(file, v2(readFileSync(file, 'utf8'), false).replace('length: 128, nullable: true }\n      view_count', 'length: 64, nullable: true }\n      view_count'));
    const plan2 = validatePaths([spec.dir]).plan as NonNullable<typeof plan1>;
    const before = (await specStatus(url, plan2))[0];
    expect(before?.remedy).toBe('rebuild');
    expect(before?.changes).toEqual(expect.arrayContaining([expect.stringMatching(/handler thing\.viewed added/), 'column things.view_count added', 'table marks indexes changed']));
    const lines = await run(true);
    expect(lines.find((l) => l.msg === 'migrated' && l.column === 'view_count')).toBeDefined();
    const warn = lines.find((l) => l.msg === 'spec changed since the tables were built: history must be re-applied');
    expect(warn?.remedy).toMatch(/sc-project rebuild it-flow/);
    expect(String(warn?.changes)).toMatch(/handler thing\.viewed added/);
  }, 120_000);
});
