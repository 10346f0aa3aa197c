/**
 * Issue 20, steps 2 and 3: the PostgreSQL sink. `run --from` of the shipped projections' example
 * stream gives on PostgreSQL the rows it gives on SQLite and on MariaDB, cell by cell (values read back as the
 * other sinks give them); a transaction's named locks wait at most the lock timeout; claims
 * return only the ids they inserted; a failed unit leaves nothing behind.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openKnex, parseDatabaseUrl } from '../../src/sql/connection.js';
import { introspect } from '../../src/sql/introspect.js';
import { ENGINE_TABLES } from '../../src/sql/engine-tables.js';
import { applyDdl } from '../../src/sql/apply.js';
import { openSink } from '../../src/runtime/sinks/open.js';
import { LockWaitError } from '../../src/runtime/sinks/sink.js';
import { BIN, ROOT } from '../helpers/runner.js';
import { freshDatabase, freshPostgresDatabase, skipWithout } from '../helpers/services.js';

const skip = skipWithout('POSTGRES_URL', 'DATABASE_URL');

function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { cwd: ROOT, timeout: 120_000 }, (err, stdout, stderr) => {
      resolve({ code: err === null ? 0 : Number((err as { code?: unknown }).code ?? 1), stdout, stderr });
    });
  });
}

/** A cell as text both databases agree on: numbers as digits (no trailing fraction zeros), JSON canonical. */
function cell(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  // mysql2 hands JSON columns over parsed.
  if (typeof v === 'object') return JSON.stringify(canonical(v));
  const s = String(v);
  if (/^[[{]/u.test(s)) {
    try {
      return JSON.stringify(canonical(JSON.parse(s)));
    } catch {
      return s;
    }
  }
  return /^-?\d+\.\d+$/u.test(s) ? s.replace(/\.?0+$/u, '') : s;
}

function canonical(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(canonical);
  if (v !== null && typeof v === 'object') return Object.fromEntries(Object.keys(v).sort().map((k) => [k, canonical((v as Record<string, unknown>)[k])]));
  return v;
}

async function dump(url: string): Promise<Record<string, string[]>> {
  const k = openKnex(url);
  try {
    const out: Record<string, string[]> = {};
    const names = (await introspect(k, parseDatabaseUrl(url).kind)).keys();
    for (const t of [...names].filter((n) => !['sc_processed_events', 'sc_consumer_positions', 'sc_sources', 'sc_spec_fingerprints'].includes(n) && !n.startsWith('sc_http'))) {
      const rows = (await k(t).select('*')) as Array<Record<string, unknown>>;
      // Dead letters carry their time of writing: compared without it.
      out[t] = rows.map((r) => JSON.stringify(Object.keys(r).sort().filter((c) => c !== 'created_at' || t !== 'sc_dead_letters').map((c) => [c, cell(r[c])]))).sort();
    }
    return out;
  } finally {
    await k.destroy();
  }
}

describe.skipIf(skip)('the PostgreSQL sink (issue 20)', () => {
  const cleanups: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  it('run --from of the shipped projections: the same rows as on SQLite and MariaDB, cell by cell', async () => {
    const db = await freshPostgresDatabase();
    cleanups.push(db.drop);
    const maria = await freshDatabase();
    cleanups.push(maria.drop);
    const dir = mkdtempSync(join(tmpdir(), 'sc-pg-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const lite = `sqlite:${join(dir, 'x.db')}`;
    const onPg = await cli(['run', '--from', 'examples/events.ndjson', '--database-url', db.url, '--no-progress']);
    const onLite = await cli(['run', '--from', 'examples/events.ndjson', '--database-url', lite, '--no-progress']);
    const onMaria = await cli(['run', '--from', 'examples/events.ndjson', '--database-url', maria.url, '--no-progress']);
    // Exit 3: the example stream holds poison messages, dead-lettered alike.
    expect([onPg.code, onLite.code, onMaria.code]).toEqual([3, 3, 3]);
    const summary = (out: string) => out.slice(out.indexOf('rows per table:'));
    expect(summary(onPg.stdout)).toBe(summary(onLite.stdout));
    expect(summary(onMaria.stdout)).toBe(summary(onLite.stdout));
    const [pgRows, liteRows, mariaRows] = [await dump(db.url), await dump(lite), await dump(maria.url)];
    expect(Object.keys(pgRows).sort()).toEqual(Object.keys(liteRows).sort());
    expect(Object.keys(mariaRows).sort()).toEqual(Object.keys(liteRows).sort());
    for (const t of Object.keys(liteRows)) {
      expect(pgRows[t], `postgres ${t}`).toEqual(liteRows[t]);
      expect(mariaRows[t], `mariadb ${t}`).toEqual(liteRows[t]);
    }
    expect(pgRows.sc_dead_letters?.length).toBeGreaterThan(0);
    // A second run finds everything applied: the positions were committed with the rows.
    const again = await cli(['run', '--from', 'examples/events.ndjson', '--database-url', db.url, '--no-progress']);
    expect(again.stdout).toMatch(/mysql-analytics-service: 0 messages/);
  }, 120_000);

  it('claims return only new ids, locks wait at most the lock timeout, a failed unit leaves nothing', async () => {
    const db = await freshPostgresDatabase();
    cleanups.push(db.drop);
    await applyDdl(db.url, ENGINE_TABLES);
    const sink = await openSink(db.url, { connections: 3, lockTimeoutS: 0.3 });
    cleanups.push(() => sink.close());
    const row = (eventId: string) => ({ group: 'g', eventId, entityId: null, entityVersion: Number.MAX_SAFE_INTEGER, eventType: 't', at: '2026-01-02 03:04:05.120' });
    const first = await sink.transaction((tx) => tx.query(sink.engine.claimProcessed([row('a'), row('b')])));
    expect(first.map((r) => r.event_id).sort()).toEqual(['a', 'b']);
    const second = await sink.transaction((tx) => tx.query(sink.engine.claimProcessed([row('b'), row('c')])));
    expect(second.map((r) => r.event_id)).toEqual(['c']);
    const read = await sink.transaction((tx) => tx.query({ sql: 'SELECT "entity_version", "processed_at" FROM "sc_processed_events" WHERE "event_id" = ?', params: ['a'] }));
    // bigint as exact text, a timestamp in UTC with its milliseconds, as MariaDB's sink reads them.
    expect(read[0]).toEqual({ entity_version: '9007199254740991', processed_at: '2026-01-02 03:04:05.120' });

    await expect(sink.transaction(async (tx) => {
      await tx.exec(sink.engine.insertProcessed([row('d')]));
      throw new Error('the unit fails');
    })).rejects.toThrow('the unit fails');
    const d = await sink.transaction((tx) => tx.query({ sql: 'SELECT count(*) AS n FROM "sc_processed_events" WHERE "event_id" = ?', params: ['d'] }));
    expect(d[0]?.n).toBe('0');

    let release: () => void = () => undefined;
    const held = sink.transaction(() => new Promise<void>((r) => { release = r; }), { locks: ['p0'] });
    await new Promise((r) => setTimeout(r, 100));
    const t0 = Date.now();
    await expect(sink.transaction(async () => 'never', { locks: ['p0'] })).rejects.toBeInstanceOf(LockWaitError);
    expect(Date.now() - t0).toBeLessThan(3000);
    release();
    await held;
    // Released with the commit: the next one gets it at once.
    await expect(sink.transaction(async () => 'got it', { locks: ['p0'] })).resolves.toBe('got it');
  });
});
