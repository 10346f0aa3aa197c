/** `?` → `$n` outside literals, identifiers and comments: hostile names and values stay as written. */
import { describe, expect, it } from 'vitest';
import { numberPlaceholders } from './placeholders.js';
import { dialectOf } from '../index.js';

describe('numberPlaceholders', () => {
  it('numbers placeholders in order', () => {
    expect(numberPlaceholders('INSERT INTO "t" ("a","b") VALUES (?,?),(?,?)')).toBe('INSERT INTO "t" ("a","b") VALUES ($1,$2),($3,$4)');
    expect(numberPlaceholders('SELECT 1')).toBe('SELECT 1');
  });

  it('leaves a ? inside a quoted identifier, including one with doubled quotes', () => {
    const q = dialectOf('postgres').quote;
    const table = q('we?ird"name?');
    expect(table).toBe('"we?ird""name?"');
    expect(numberPlaceholders(`UPDATE ${table} SET ${q('c?')} = ? WHERE ${q('"?')} = ?`)).toBe(`UPDATE "we?ird""name?" SET "c?" = $1 WHERE """?" = $2`);
  });

  it("leaves string literals, E'' strings, dollar quotes and comments alone", () => {
    expect(numberPlaceholders("SELECT 'it''s?', ? ")).toBe("SELECT 'it''s?', $1 ");
    expect(numberPlaceholders("SELECT E'a\\'?', ?")).toBe("SELECT E'a\\'?', $1");
    expect(numberPlaceholders("SELECT 'a\\', ?")).toBe("SELECT 'a\\', $1"); // a plain literal: the backslash is a character
    expect(numberPlaceholders('SELECT $tag$ ? $tag$, $$?$$, ?')).toBe('SELECT $tag$ ? $tag$, $$?$$, $1');
    expect(numberPlaceholders('SELECT ? -- why?\n, /* a /* nested? */ ? */ ?')).toBe('SELECT $1 -- why?\n, /* a /* nested? */ ? */ $2');
  });

  it('keeps a DDL default holding ? as written (knex would have numbered it)', () => {
    const ddl = `create table "t" ("s" varchar(32) not null default 'it''s new?')`;
    expect(numberPlaceholders(ddl)).toBe(ddl);
  });
});
