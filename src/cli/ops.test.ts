import { readFileSync } from 'node:fs';
import { describe, expect, it, vi } from 'vitest';
import { main } from './main.js';
import { statusCommand } from './status.js';

const VERSION = (JSON.parse(readFileSync('package.json', 'utf8')) as { version: string }).version;

describe('sc-project --version', () => {
  it('prints the package version and exits 0', async () => {
    const out: string[] = [];
    const spy = vi.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => { out.push(String(s)); return true; });
    try {
      expect(await main(['--version'])).toBe(0);
    } finally {
      spy.mockRestore();
    }
    expect(out.join('')).toBe(`${VERSION}\n`);
  });
});

describe('usage errors', () => {
  async function capture(argv: string[]): Promise<{ code: number; stderr: string }> {
    const err: string[] = [];
    const spy = vi.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => { err.push(String(s)); return true; });
    try {
      return { code: await main(argv), stderr: err.join('') };
    } finally {
      spy.mockRestore();
    }
  }
  it('run --http must be an address', async () => {
    expect(await capture(['run', '--database-url', 'sqlite::memory:', '--http', 'localhost'])).toEqual({ code: 2, stderr: '--http must look like 127.0.0.1:9464, :9464 or 9464, got localhost\n' });
    expect(await capture(['run', '--database-url', 'sqlite::memory:', '--http', '9464', '--not-ready-after', 'soon'])).toEqual({ code: 2, stderr: '--not-ready-after must be a number of seconds, got soon\n' });
  });
  it('status checks its options before connecting', async () => {
    expect(await statusCommand({ config: ['projections'], format: 'yaml', databaseUrl: 'sqlite::memory:' })).toMatchObject({ code: 2, stderr: '--format must be text or json, got yaml\n' });
    expect(await statusCommand({ config: ['projections'], format: 'text', databaseUrl: 'sqlite::memory:', maxLag: '-1' })).toMatchObject({ code: 2 });
    // Without a database it reads the embedded default (issue-17-exit-codes.test.ts).
  });
});
