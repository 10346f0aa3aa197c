/**
 * Issue 18 item 7: `ANALYTICS_API_BASE_URL=http://user:secret@host` validated, then every attempt
 * logged the whole URL with the password, fetch refused each request (a URL with credentials),
 * the batch stayed pending forever and `run --from` exited 0. Such a URL is refused at validate
 * and at start, located at the url in the spec, naming the variable, and the secret is never
 * printed. Through the CLI's main, with the repository's analytics-sync spec.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { main } from './main.js';

let dir = '';
const saved = process.env.ANALYTICS_API_BASE_URL;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'sc-url-credentials-'));
  process.env.ANALYTICS_API_BASE_URL = 'http://svc-user:s3cr3t-pass@127.0.0.1:9';
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
  if (saved === undefined) delete process.env.ANALYTICS_API_BASE_URL;
  else process.env.ANALYTICS_API_BASE_URL = saved;
});

async function cli(argv: string[]): Promise<{ code: number; out: string }> {
  const chunks: string[] = [];
  const capture = (s: string | Uint8Array): boolean => { chunks.push(String(s)); return true; };
  const stdout = vi.spyOn(process.stdout, 'write').mockImplementation(capture);
  const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(capture);
  try {
    return { code: await main(argv), out: chunks.join('') };
  } finally {
    stdout.mockRestore();
    stderr.mockRestore();
  }
}

function expectRefusal(out: string): void {
  expect(out).toMatch(/projections\/analytics-sync\.yaml:22:\d+ error E_URL_CREDENTIALS/);
  expect(out).toContain('ANALYTICS_API_BASE_URL');
  expect(out).toContain('Authorization');
  expect(out).not.toContain('s3cr3t');
  expect(out).not.toContain('svc-user');
}

describe('an output URL with credentials is refused (issue 18.7)', () => {
  it('validate: a located error naming the variable, without the secret', async () => {
    const r = await cli(['validate', '--config', 'projections']);
    expect(r.code).toBe(1);
    expectRefusal(r.out);
  });

  it('run --from: refused at start, exit 1, nothing sent or left pending', async () => {
    const file = join(dir, 'in.ndjson');
    writeFileSync(file, '');
    const r = await cli(['run', '--config', 'projections', '--from', file, '--database-url', `sqlite:${join(dir, 'db.sqlite')}`, '--no-progress']);
    expect(r.code).toBe(1);
    expectRefusal(r.out);
  }, 30_000);

  it('a URL written with credentials in the spec is refused too, and its secret not echoed', async () => {
    writeFileSync(join(dir, 'p.yaml'), [
      'projection: p',
      'group: g',
      'topics: [t]',
      'outputs:',
      '  api:',
      '    http: { url: "http://svc-user:s3cr3t-pass@127.0.0.1:9/x" }',
      '    lists: [xs]',
      '    body: { object: { xs: $.lists.xs } }',
      'on:',
      '  A: [{ append: api, list: xs }]',
      '',
    ].join('\n'));
    for (const format of ['text', 'json']) {
      const r = await cli(['validate', '--config', dir, '--format', format]);
      expect(r.code).toBe(1);
      expect(r.out).toContain('E_URL_CREDENTIALS');
      expect(r.out).not.toContain('s3cr3t');
    }
  });
});
