/** PostgreSQL's syntax hooks, URL, errors and read-back, with the exact text they produce (kysely's testSql style). */
import { describe, expect, it } from 'vitest';
import { dialectOf } from '../index.js';
import { engineSql } from '../../engine-sql.js';
import { postgresErrors } from './errors.js';
import { postgresDefault, postgresType } from './introspect.js';
import { parsePostgresUrl } from './url.js';
import { timestampText, booleanNumber } from './values.js';
import { jsonbPath } from './json-path.js';

const pg = dialectOf('postgres');

describe('postgres statements', () => {
  it('quotes with double quotes, doubling an embedded one', () => {
    expect(pg.quote('sc_processed_events')).toBe('"sc_processed_events"');
    expect(pg.quote('a"b`c')).toBe('"a""b`c"');
    expect(pg.dropIndex('idx_t_a', 't')).toBe('drop index "idx_t_a"');
  });

  it('upserts on the named key with EXCLUDED, and skips a taken key with DO NOTHING', () => {
    const head = 'INSERT INTO "t" ("k","v") VALUES (?,?)';
    expect(pg.upsert(head, ['k', 'j'], [`${pg.quote('v')} = ${pg.excluded('v')}`])).toBe(`${head} ON CONFLICT ("k","j") DO UPDATE SET "v" = EXCLUDED."v"`);
    expect(pg.insertIgnore(head)).toBe(`${head} ON CONFLICT DO NOTHING`);
    expect(pg.insertOrKeep(head, 'k')).toBe(`${head} ON CONFLICT DO NOTHING`);
    expect(pg.greatest('a', 'b')).toBe('GREATEST(a, b)');
    expect(pg.lockingRead('SELECT 1')).toBe('SELECT 1 FOR UPDATE');
  });

  it('locks names to the commit with advisory locks, left to right (FOR UPDATE does not lock an absent row)', () => {
    expect(pg.lockNames(2)).toBe('SELECT pg_advisory_xact_lock(hashtextextended(?, 0)), pg_advisory_xact_lock(hashtextextended(?, 0))');
    expect(dialectOf('mysql').lockNames(2)).toBeUndefined();
    expect(dialectOf('sqlite').lockNames(2)).toBeUndefined();
  });

  it('bounds a delete through ctid, as DELETE has no LIMIT', () => {
    expect(pg.deleteLimited('t', 'a < ?', 10)).toBe('DELETE FROM "t" WHERE ctid IN (SELECT ctid FROM "t" WHERE a < ? LIMIT 10)');
  });

  it('reads the fingerprints as one sorted text, locking the rows in a subquery', () => {
    expect(pg.selectFingerprintText('?,?', true)).toBe(
      `SELECT string_agg(x, ',' ORDER BY p COLLATE "C") FROM (SELECT "projection" AS p, "projection" || '=' || "fingerprint" AS x FROM "sc_spec_fingerprints" WHERE "projection" IN (?,?) FOR SHARE) AS s`,
    );
    expect(pg.selectFingerprintText('?', false)).not.toContain('FOR SHARE');
  });

  it('renames one table a statement (the swap runs them in one transaction)', () => {
    expect(pg.renameTables([['a', 'b'], ['c', 'd']])).toEqual(['ALTER TABLE "a" RENAME TO "b"', 'ALTER TABLE "c" RENAME TO "d"']);
    expect(pg.selectTables('?')).toBe('SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema() AND table_name IN (?)');
  });

  it('claims ids with ON CONFLICT DO NOTHING RETURNING, and moves positions only forward (the stored value named by its table: a bare column beside EXCLUDED is ambiguous, 42702)', () => {
    const e = engineSql('postgres');
    const claim = e.claimProcessed([{ group: 'g', eventId: 'e1', entityId: null, entityVersion: null, eventType: 't', at: '2024-01-01 00:00:00.000' }]);
    expect(claim.sql).toBe('INSERT INTO "sc_processed_events" ("consumer_group","event_id","entity_id","entity_version","event_type","processed_at") VALUES (?,?,?,?,?,?) ON CONFLICT DO NOTHING RETURNING "event_id" AS event_id');
    const pos = e.upsertPositions([{ group: 'g', topic: 't', partition: 0, nextOffset: 5, at: 'x' }]);
    expect(pos.sql).toBe('INSERT INTO "sc_consumer_positions" ("consumer_group","topic","partition","next_offset","updated_at") VALUES (?,?,?,?,?) ON CONFLICT ("consumer_group","topic","partition") DO UPDATE SET "next_offset" = GREATEST("sc_consumer_positions"."next_offset", EXCLUDED."next_offset"), "updated_at" = EXCLUDED."updated_at"');
  });
});

describe('dead letters', () => {
  it('write a NUL of a reason as the six characters \\u0000 on every database (PostgreSQL text cannot hold NUL)', () => {
    for (const d of ['mysql', 'postgres', 'sqlite'] as const) {
      const st = engineSql(d).insertDeadLetters([{ id: 'x', topic: 't', partition: 0, offset: 1, group: 'g', projection: null, reason: 'bad token "\u0000"', key: null, value: null, at: 'now' }]);
      expect(st.params[6]).toBe('bad token "\\u0000"');
    }
  });
});

describe('postgres URLs', () => {
  it('parses both schemes, percent-decoding the login, password and database', () => {
    expect(parsePostgresUrl('postgres://sc:p%40ss%2Fw@db.local:6543/my%20db')).toEqual({ kind: 'postgres', host: 'db.local', port: 6543, login: 'sc', password: 'p@ss/w', database: 'my db', tls: null });
    expect(parsePostgresUrl('postgresql://a:b@h/d')).toMatchObject({ host: 'h', port: 5432, database: 'd' });
  });

  it('needs a database name and a PostgreSQL scheme', () => {
    expect(() => parsePostgresUrl('postgres://a:b@h:5432/')).toThrow(/missing database name/);
    expect(() => parsePostgresUrl('mysql://a:b@h/d')).toThrow(/not PostgreSQL's/);
  });
});

describe('postgres errors', () => {
  const db = (code: string) => ({ code, severity: 'ERROR', message: 'x' });

  it('retries serialization, deadlock, shutdown, start-up, connection, disk and memory errors', () => {
    for (const code of ['40001', '40P01', '57P01', '57P03', '08006', '08001', '53100', '53200', '55P03']) expect(postgresErrors.classify(db(code)), code).toBe('transient');
    expect(postgresErrors.classify(new Error('Connection terminated unexpectedly'))).toBe('transient');
  });

  it('retries a statement on a connection the server ended between two statements (pg_terminate_backend)', () => {
    expect(postgresErrors.classify(new Error('Client has encountered a connection error and is not queryable'))).toBe('transient');
    expect(postgresErrors.classify(new Error('Client was closed and is not queryable'))).toBe('transient');
    expect(postgresErrors.classify(new Error('Client is not queryable for some other reason'))).toBeUndefined();
  });

  it('dead-letters data exceptions and constraint violations; leaves others to the caller', () => {
    for (const code of ['22001', '22003', '22P02', '23502', '23505']) expect(postgresErrors.classify(db(code)), code).toBe('data');
    expect(postgresErrors.classify(db('42P01'))).toBeUndefined(); // undefined_table: stop with a message
    expect(postgresErrors.classify(db('42501'))).toBeUndefined(); // insufficient_privilege
  });

  it("answers only for node-postgres' errors", () => {
    expect(postgresErrors.classify({ code: 'ER_LOCK_DEADLOCK', errno: 1213 })).toBeUndefined();
    expect(postgresErrors.classify({ code: 'SQLITE_BUSY' })).toBeUndefined();
    expect(postgresErrors.classify({ code: '23505' })).toBeUndefined(); // no severity: not a server error
    expect(postgresErrors.isDuplicateKey(db('23505'))).toBe(true);
    expect(postgresErrors.isDuplicateKey(db('23503'))).toBe(false);
    expect(postgresErrors.isMissingTable(db('42P01'))).toBe(true);
    expect(postgresErrors.isMissingTable({ errno: 1146 })).toBe(false);
  });
});

describe('postgres read-back', () => {
  it('spells catalogue types as ddl.ts writes them', () => {
    expect(postgresType('character varying(64)')).toBe('varchar(64)');
    expect(postgresType('timestamp(3) without time zone')).toBe('timestamp(3)');
    expect(postgresType('numeric(12,4)')).toBe('numeric(12,4)');
    expect(postgresType('jsonb')).toBe('jsonb');
  });

  it('unquotes defaults and their casts, booleans as 1/0', () => {
    expect(postgresDefault("'it''s new?'::character varying")).toBe("it's new?");
    expect(postgresDefault("'-1'::integer")).toBe('-1');
    expect(postgresDefault('0.0000')).toBe('0.0000');
    expect(postgresDefault("'1970-01-01 00:00:00'::timestamp without time zone")).toBe('1970-01-01 00:00:00');
    expect(postgresDefault('false')).toBe('0');
    expect(postgresDefault('true')).toBe('1');
    expect(postgresDefault(null)).toBeNull();
  });

  it('pads timestamps to milliseconds and reads booleans as 1/0, as MariaDB gives them', () => {
    expect(timestampText('2024-01-02 03:04:05.12')).toBe('2024-01-02 03:04:05.120');
    expect(timestampText('2024-01-02 03:04:05')).toBe('2024-01-02 03:04:05.000');
    expect(timestampText('infinity')).toBe('infinity');
    expect([booleanNumber('t'), booleanNumber('f')]).toEqual([1, 0]);
  });

  it("turns the engine's JSON paths into jsonb_set's text[] literal, escaping quotes and backslashes", () => {
    expect(jsonbPath('$[0]."a b"')).toBe('{"0","a b"}');
    expect(jsonbPath('$."x\\"y"."\\\\"')).toBe('{"x\\"y","\\\\"}');
    expect(() => jsonbPath('$.a')).toThrow(/not a JSON path the engine writes/);
  });
});
