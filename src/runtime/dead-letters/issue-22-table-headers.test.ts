/**
 * Issue 22: sc_dead_letters keeps the record's headers (JSON text, as NDJSON lines give them), so
 * `dead-letters show` prints them and `replay` hands them back as `$headers`; a database made
 * before the column gets it from `run` (additive) and takes letters without headers until then.
 * On SQLite here; test/integration/issue-22-letter-headers.int.test.ts runs it on the servers.
 */
import Database from 'better-sqlite3';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkHeaderLetters } from '../../../test/helpers/header-letters-check.js';
import { headersJson, headersOfJson } from '../outputs/dead-letters/headers-json.js';
import { deadLetterRow, fittedDeadLetterRow } from '../outputs/dead-letters/index.js';

describe('headers as sc_dead_letters keeps them', () => {
  it('are JSON text of name: text, {b64} or a list in sequence, read back as they were', () => {
    const h = [['trace', Buffer.from('t1')], ['hop', Buffer.from('a')], ['bin', Buffer.from([0xff])], ['hop', Buffer.from('b')]] as const;
    const text = headersJson(h);
    expect(text).toBe('{"trace":"t1","hop":["a","b"],"bin":{"b64":"/w=="}}');
    expect(headersOfJson(text)).toEqual([['trace', Buffer.from('t1')], ['hop', Buffer.from('a')], ['hop', Buffer.from('b')], ['bin', Buffer.from([0xff])]]);
    expect(headersJson(undefined)).toBeNull();
    expect(headersJson([])).toBeNull();
    expect(headersOfJson(null)).toBeUndefined();
    expect(headersOfJson('not json')).toBeUndefined();
  });

  it('are written with the row, and left out (the reason says so) when they would not fit in one statement with the value', () => {
    const msg = { topic: 't', partition: 0, offset: 1, key: null, value: Buffer.alloc(100, 'v'), headers: [['trace', Buffer.from('x'.repeat(300))]] as const };
    expect(deadLetterRow({ msg, group: 'g', projection: null, eventType: null, reason: 'bad' }).headers).toBe(`{"trace":"${'x'.repeat(300)}"}`);
    const fitted = fittedDeadLetterRow({ msg, group: 'g', projection: null, eventType: null, reason: 'bad' }, 1000);
    expect(fitted.headers).toBeNull();
    expect(fitted.reason).toBe('bad [headers left out: 312 bytes, more than the database accepts in one statement with the value]');
  });
});

describe('issue 22: table letters keep their headers (SQLite)', () => {
  it('a database of the older shape gets the column from run; show prints the headers; replay gives them back', async () => {
    const url = `sqlite:${join(mkdtempSync(join(tmpdir(), 'sc-hletters-')), 'db.sqlite')}`;
    const query = async (u: string, sql: string): Promise<Array<Record<string, unknown>>> => {
      const d = new Database(u.replace(/^sqlite:/u, ''), { readonly: true });
      try {
        return d.prepare(sql).all() as Array<Record<string, unknown>>;
      } finally {
        d.close();
      }
    };
    const cleanups: Array<() => void> = [];
    try {
      await checkHeaderLetters(url, query, (f) => cleanups.push(f));
    } finally {
      for (const f of cleanups) f();
    }
  });
});
