/**
 * Issue 18 item 8, through the real CLI (`node bin/sc-project.js`): when the database is down or
 * refuses the login, `ddl`, `run`, `status`, `rebuild` and `cleanup` print one line naming the
 * server (host:port, never the password) and the cause, with no stack trace ("Acquire connection
 * error: … at Packet.asError (…mysql2/lib/packets/packet.js…)" and ten frames before); the trace
 * comes only with --log-level debug.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseDatabaseUrl } from '../../src/sql/connection.js';
import { BIN, ROOT } from '../helpers/runner.js';
import { DATABASE_URL, POSTGRES_URL, skipWithout } from '../helpers/services.js';

const skip = skipWithout('DATABASE_URL');
const dir = mkdtempSync(join(tmpdir(), 'sc-cli-errors-it-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const WRONG_PASSWORD = 'wrong-Pa55word-xyz';

writeFileSync(join(dir, 'spec.yaml'), `projection: cli-errors
group: cli-errors-g
topics: [cli-errors-t]
tables:
  seen: { key: [id], columns: { id: { type: string, length: 64 } } }
on:
  thing.seen: [ { insert: seen, set: { id: $.entity_id } } ]
`);
writeFileSync(join(dir, 'events.ndjson'), `${JSON.stringify({ topic: 'cli-errors-t', key: 'a', value: { event_type: 'thing.seen', event_id: 'a', entity_id: 'a' } })}\n`);

function cli(args: string[]): Promise<{ code: number | null; stderr: string; stdout: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { cwd: ROOT, timeout: 60_000, env: { ...process.env, SC_PROJECT_LOG_LEVEL: 'info' } }, (err, stdout, stderr) => {
      resolve({ code: err === null ? 0 : typeof err.code === 'number' ? err.code : null, stdout, stderr });
    });
  });
}

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const address = server.address();
  await new Promise<void>((r) => server.close(() => r()));
  return typeof address === 'object' && address !== null ? address.port : 1;
}

const commands = (url: string): Array<[string, string[]]> => [
  ['ddl', ['ddl', '--apply', '--config', dir, '--database-url', url]],
  ['run', ['run', '--config', dir, '--from', join(dir, 'events.ndjson'), '--no-progress', '--database-url', url]],
  ['status', ['status', '--config', dir, '--database-url', url]],
  ['rebuild', ['rebuild', 'cli-errors', '--config', dir, '--from', join(dir, 'events.ndjson'), '--no-progress', '--database-url', url]],
  ['cleanup', ['cleanup', '--database-url', url]],
];

describe.skipIf(skip)('database errors through the CLI are one line, no stack (issue 18.8)', () => {
  async function check(url: string, server: string, cause: RegExp) {
    for (const [name, args] of commands(url)) {
      const r = await cli(args);
      expect(r.code, `${name}: ${r.stderr}`).toBe(1);
      // `run` logs its starting line first; every other line is the error. (knex printed its
      // "Acquire connection error" and the driver's stack on stdout.)
      const all = `${r.stdout}\n${r.stderr}`;
      const lines = all.split('\n').filter((l) => l.trim() !== '' && !/ info  sc-project starting /.test(l));
      expect(lines, `${name} prints one error line`).toHaveLength(1);
      expect(all, `${name}: no stack frames`).not.toMatch(/^\s+at /m);
      expect(lines[0], name).toContain(server);
      expect(lines[0], name).toMatch(cause);
      expect(r.stderr + r.stdout, `${name}: no password`).not.toContain(WRONG_PASSWORD);
    }
  }

  it.each(['mysql', 'postgres'])('a closed port (%s://): names host:port and the refusal', async (scheme) => {
    const port = await closedPort();
    await check(`${scheme}://sc:${WRONG_PASSWORD}@127.0.0.1:${port}/db`, `127.0.0.1:${port}`, /ECONNREFUSED/);
  }, 240_000);

  it('MariaDB with a wrong password: names host:port and "Access denied", never the password', async () => {
    const t = parseDatabaseUrl(DATABASE_URL ?? '');
    if (t.kind !== 'mysql') throw new Error('DATABASE_URL must be mysql://');
    await check(`mysql://${encodeURIComponent(t.login)}:${WRONG_PASSWORD}@${t.host}:${t.port}/${t.database}`, `${t.host}:${t.port}`, /Access denied/);
  }, 240_000);

  // The same on PostgreSQL (issue 20): its words are "password authentication failed".
  it.skipIf(skipWithout('POSTGRES_URL'))('PostgreSQL with a wrong password: names host:port and the refusal, never the password', async () => {
    const u = new URL(POSTGRES_URL ?? '');
    const where = `${u.hostname}:${u.port || '5432'}`;
    u.password = WRONG_PASSWORD;
    await check(u.toString(), where, /password authentication failed/);
  }, 240_000);

  it('--log-level debug adds the driver trace', async () => {
    const port = await closedPort();
    const r = await cli(['status', '--log-level', 'debug', '--config', dir, '--database-url', `mysql://sc:x@127.0.0.1:${port}/db`]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^\s+at /m);
  }, 60_000);
});
