/**
 * The flat-upsert workload of the bench (bench/flat.mjs, issue 13) is what the bench says it is:
 * its specs validate, its records are deterministic and the same in both shapes, and the engine,
 * run over them (embedded: NDJSON file → SQLite), leaves one row per id holding the last record's
 * values, the final state the bench checks after each run against MariaDB.
 */
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { validatePaths } from '../../src/validate/index.js';
import { createRuntime } from '../../src/runtime/runtime.js';
import { silentLogger } from '../../src/runtime/ops/log.js';

interface FlatRecord { key: string; value: string; id: number; isUpdate: boolean; quantity: number; record: Record<string, unknown> }
interface FlatStats { records?: number; updates?: number; rows?: number; quantitySum?: number }
interface FlatModule {
  FLAT_TABLE: string;
  flatRecords(o: { count: number; updates?: number; seed?: string; withIds?: boolean }, stats?: FlatStats): Iterable<FlatRecord>;
  flatSpec(o: { topic: string; group: string; withIds: boolean; avro?: boolean }): string;
  FLAT_AVRO_ID: number;
  FLAT_AVRO_SCHEMA: unknown;
  flatAvroValue(record: Record<string, unknown>): Buffer;
}

// A computed specifier: the bench is plain JavaScript outside the typed sources.
const flatUrl = new URL('../../bench/flat.mjs', import.meta.url).href;
const load = async (): Promise<FlatModule> => (await import(flatUrl)) as FlatModule;

describe('bench flat-upsert workload', { timeout: 60_000 }, () => {
  it('is deterministic, and both shapes carry the same records', async () => {
    const { flatRecords } = await load();
    const one: FlatStats = {};
    const a = [...flatRecords({ count: 5000, seed: 's' }, one)];
    const b = [...flatRecords({ count: 5000, seed: 's' })];
    const e = [...flatRecords({ count: 5000, seed: 's', withIds: true })];
    expect(a.map((r) => r.value)).toEqual(b.map((r) => r.value));
    expect(e.map((r) => r.id)).toEqual(a.map((r) => r.id));
    for (let i = 0; i < a.length; i++) {
      const x = JSON.parse(e[i]!.value) as Record<string, unknown>;
      expect(typeof x.event_id).toBe('string');
      expect(x.event_type).toBe('record.upserted');
      delete x.event_id;
      delete x.event_type;
      expect(x).toEqual(JSON.parse(a[i]!.value));
    }
    expect(new Set(e.map((r) => (JSON.parse(r.value) as { event_id: string }).event_id)).size).toBe(5000);
    // About 3 % updates, each of an id issued before it.
    expect(one.updates).toBeGreaterThan(100);
    expect(one.updates).toBeLessThan(200);
    expect(one.rows).toBe(5000 - one.updates!);
    const seen = new Set<number>();
    for (const r of a) {
      expect(seen.has(r.id)).toBe(r.isUpdate);
      seen.add(r.id);
      expect(r.key).toBe(String(r.id));
    }
  });

  for (const [withIds, isAvro] of [[false, false], [true, false], [false, true]] as const) {
    it(`upserts to the last record of each id ${withIds ? 'with event type and id' : isAvro ? 'from Avro values (issue 22)' : 'by a default route under id: none'}`, async () => {
      const { flatRecords, flatSpec, FLAT_TABLE, FLAT_AVRO_ID, FLAT_AVRO_SCHEMA, flatAvroValue } = await load();
      const dir = mkdtempSync(join(tmpdir(), 'sc-bench-flat-'));
      try {
        mkdirSync(join(dir, 'spec'));
        mkdirSync(join(dir, 'schemas'));
        writeFileSync(join(dir, 'schemas', `${FLAT_AVRO_ID}.avsc`), JSON.stringify(FLAT_AVRO_SCHEMA));
        writeFileSync(join(dir, 'spec', 'flat.yaml'), flatSpec({ topic: 'flat', group: 'bench-flat', withIds, avro: isAvro }));
        const v = validatePaths([join(dir, 'spec')]);
        expect(v.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
        const stats: FlatStats = {};
        const last = new Map<number, Record<string, unknown>>();
        const lines: string[] = [];
        for (const r of flatRecords({ count: 3000, seed: 'unit', withIds }, stats)) {
          lines.push(JSON.stringify(isAvro ? { topic: 'flat', key: r.key, value_b64: flatAvroValue(r.record).toString('base64') } : { topic: 'flat', key: r.key, value: JSON.parse(r.value) as unknown }));
          last.set(r.id, JSON.parse(r.value) as Record<string, unknown>);
        }
        writeFileSync(join(dir, 'in.ndjson'), lines.join('\n') + '\n');
        const db = join(dir, 'out.db');
        const rt = await createRuntime({ config: join(dir, 'spec'), databaseUrl: `sqlite:${db}`, from: join(dir, 'in.ndjson'), logger: silentLogger, statsInterval: 0, schemasDir: join(dir, 'schemas') });
        await rt.start();
        await rt.done;
        const conn = new Database(db, { readonly: true });
        try {
          const agg = conn.prepare(`SELECT COUNT(*) AS n, SUM(quantity) AS q FROM ${FLAT_TABLE}`).get() as { n: number; q: number };
          expect(agg).toEqual({ n: stats.rows, q: stats.quantitySum });
          const rows = conn.prepare(`SELECT id, name, quantity, score, price, updated_at FROM ${FLAT_TABLE}`).all() as Array<{ id: number; name: string; quantity: number; score: number; price: string | number; updated_at: string }>;
          for (const row of rows) {
            const want = last.get(row.id)!;
            expect(row.name).toBe(want.name);
            expect(row.score).toBe(want.score);
            expect(Number(row.price)).toBe(want.price);
            expect(new Date(`${row.updated_at.replace(' ', 'T')}${row.updated_at.endsWith('Z') ? '' : 'Z'}`).toISOString()).toBe(want.updated_at);
          }
          const processed = conn.prepare('SELECT COUNT(*) AS n FROM sc_processed_events').get() as { n: number };
          expect(processed.n).toBe(withIds ? 3000 : 0);
        } finally {
          conn.close();
        }
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }
});
