/** Start-up checks come before side effects (issue 12, point 8). */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { silentLogger } from './ops/log.js';
import { ConfigError, createRuntime } from './runtime.js';

describe('start-up checks', () => {
  it('fails on a missing --from file before the SQLite file or any table is created', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sc-startup-'));
    try {
      const db = join(dir, 'sc-project.db');
      const rt = await createRuntime({ config: 'projections', databaseUrl: `sqlite:${db}`, from: join(dir, 'missing.ndjson'), logger: silentLogger, statsInterval: 0 });
      await expect(rt.start()).rejects.toThrow(ConfigError);
      await expect(rt.done).rejects.toThrow(/--from .*missing\.ndjson: no such file/);
      expect(existsSync(db)).toBe(false);
      const onDir = await createRuntime({ config: 'projections', databaseUrl: `sqlite:${db}`, from: dir, logger: silentLogger, statsInterval: 0 });
      await expect(onDir.start()).rejects.toThrow(/not a file/);
      expect(existsSync(db)).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('fails on an unreadable config before anything is created', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sc-startup-'));
    try {
      const db = join(dir, 'sc-project.db');
      await expect(createRuntime({ config: join(dir, 'no-such-dir'), databaseUrl: `sqlite:${db}`, from: 'x', logger: silentLogger })).rejects.toThrow(ConfigError);
      expect(existsSync(db)).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
