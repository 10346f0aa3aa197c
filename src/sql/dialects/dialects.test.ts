/** Each dialect's syntax hooks, with the exact text they produce (kysely's testSql style). */
import { describe, expect, it } from 'vitest';
import { dialectOf } from './index.js';

describe('quote', () => {
  it('wraps ordinary names exactly as the builders always did', () => {
    expect(dialectOf('mysql').quote('sc_processed_events')).toBe('`sc_processed_events`');
    expect(dialectOf('sqlite').quote('sc_processed_events')).toBe('"sc_processed_events"');
  });

  it('doubles an embedded quote character, and only its own', () => {
    expect(dialectOf('mysql').quote('a`b"c')).toBe('`a``b"c`');
    expect(dialectOf('sqlite').quote('a`b"c')).toBe('"a`b""c"');
  });

  it('drops an index the way each database names it', () => {
    expect(dialectOf('mysql').dropIndex('idx_t_a', 't')).toBe('drop index `idx_t_a` on `t`');
    expect(dialectOf('sqlite').dropIndex('idx_t_a', 't')).toBe('drop index "idx_t_a"');
  });

  const mysql = dialectOf('mysql');
  const sqlite = dialectOf('sqlite');
  const head = 'INSERT INTO `t` (`k`,`v`) VALUES (?,?)';

  it('skips duplicate keys', () => {
    expect(mysql.insertIgnore(head)).toBe('INSERT IGNORE INTO `t` (`k`,`v`) VALUES (?,?)');
    expect(sqlite.insertIgnore('INSERT INTO "t" ("k") VALUES (?)')).toBe('INSERT INTO "t" ("k") VALUES (?) ON CONFLICT DO NOTHING');
  });

  it('upserts on the key with the inserted values', () => {
    expect(mysql.upsert(head, ['k'], [`${mysql.quote('v')} = ${mysql.excluded('v')}`])).toBe(`${head} ON DUPLICATE KEY UPDATE \`v\` = VALUES(\`v\`)`);
    expect(sqlite.upsert('INSERT …', ['k', 'j'], [`${sqlite.quote('v')} = ${sqlite.excluded('v')}`])).toBe('INSERT … ON CONFLICT ("k","j") DO UPDATE SET "v" = excluded."v"');
  });

  it('locks what it reads only on MariaDB', () => {
    expect(mysql.lockingRead('SELECT 1')).toBe('SELECT 1 FOR UPDATE');
    expect(sqlite.lockingRead('SELECT 1')).toBe('SELECT 1');
  });

  it('bounds a delete, through rowid on SQLite', () => {
    expect(mysql.deleteLimited('t', 'a < ?', 10)).toBe('DELETE FROM `t` WHERE a < ? LIMIT 10');
    expect(sqlite.deleteLimited('t', 'a < ?', 10)).toBe('DELETE FROM "t" WHERE rowid IN (SELECT rowid FROM "t" WHERE a < ? LIMIT 10)');
  });

  it('keeps the existing row without IGNORE, and takes the larger of two values', () => {
    expect(mysql.insertOrKeep(head, 'k')).toBe(`${head} ON DUPLICATE KEY UPDATE \`k\` = \`k\``);
    expect(sqlite.insertOrKeep('INSERT …', 'k')).toBe('INSERT … ON CONFLICT DO NOTHING');
    expect(mysql.greatest('a', 'b')).toBe('GREATEST(a, b)');
    expect(sqlite.greatest('a', 'b')).toBe('MAX(a, b)');
  });

  it('renames tables in one statement on MariaDB, one a pair on SQLite', () => {
    const pairs: Array<[string, string]> = [['a', 'b'], ['c', 'd']];
    expect(mysql.renameTables(pairs)).toEqual(['RENAME TABLE `a` TO `b`, `c` TO `d`']);
    expect(sqlite.renameTables(pairs)).toEqual(['ALTER TABLE "a" RENAME TO "b"', 'ALTER TABLE "c" RENAME TO "d"']);
    expect(mysql.renameTables([])).toEqual([]);
  });
});
