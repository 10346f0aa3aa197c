/**
 * A small projection in two versions for rebuild tests: v1 keeps a card per account (created,
 * renamed); v2 adds a `logins` column and a handler for `account.login`, an event type the stream
 * carried from the start, so only a rebuild gives the new column its history.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import mysql from 'mysql2/promise';
import { queryDb } from './services.js';
import { parseDatabaseUrl } from '../../src/sql/connection.js';

export interface CardsSpec {
  dir: string;
  v1: string;
  v2: string;
  topic: string;
  group: string;
  remove(): void;
}

const V1 = (topic: string, group: string) => `projection: cards
group: ${group}
topics: [${topic}]
unhandled: skip
tables:
  cards:
    key: [account_id]
    indexes: [[name]]
    columns:
      account_id: { type: string, length: 64 }
      name:       { type: string, length: 100, nullable: true }
on:
  account.created:
    - insert: cards
      set: { account_id: $.entity_id, name: $.data.name }
      on_conflict: { update: [name] }
  account.renamed:
    - update: cards
      set: { name: $.data.name }
`;

const V2 = (topic: string, group: string) => V1(topic, group)
  .replace('      name:       { type: string, length: 100, nullable: true }\n', '      name:       { type: string, length: 100, nullable: true }\n      logins:     { type: int, default: 0 }\n')
  + `  account.login:
    - increment: cards
      where: { account_id: $.entity_id }
      by: { logins: 1 }
`;

export function writeCardsSpec(topic: string, group: string): CardsSpec {
  const dir = mkdtempSync(join(tmpdir(), 'sc-rebuild-'));
  const v1 = join(dir, 'v1');
  const v2 = join(dir, 'v2');
  for (const [d, text] of [[v1, V1(topic, group)], [v2, V2(topic, group)]] as const) {
    mkdirSync(d);
    writeFileSync(join(d, 'cards.yaml'), text);
  }
  return { dir, v1, v2, topic, group, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface CardEvent {
  topic: string;
  key: string;
  value: Record<string, unknown>;
}

/** `n` events over `accounts` accounts: each account created first, then renames and logins. */
export function cardEvents(topic: string, n: number, accounts = 100, from = 0): CardEvent[] {
  const out: CardEvent[] = [];
  for (let i = from; i < from + n; i++) {
    const a = `a${i % accounts}`;
    const type = i < accounts ? 'account.created' : i % 2 === 0 ? 'account.renamed' : 'account.login';
    out.push({ topic, key: a, value: { event_type: type, event_id: `e${i}`, entity_id: a, entity_version: i, timestamp: '2026-01-01T00:00:00Z', data: { name: `n${i}` } } });
  }
  return out;
}

export function toNdjsonText(events: CardEvent[]): string {
  return events.map((e) => JSON.stringify(e)).join('\n') + '\n';
}

/** Every row of a table, sorted by key, as plain objects (numbers as numbers). */
export async function tableRows(url: string, table: string): Promise<Array<Record<string, unknown>>> {
  const t = parseDatabaseUrl(url);
  let rows: Array<Record<string, unknown>>;
  if (t.kind === 'sqlite') {
    const db = new Database(t.filename, { readonly: true });
    try {
      rows = db.prepare(`SELECT * FROM "${table}" ORDER BY 1`).all() as Array<Record<string, unknown>>;
    } finally {
      db.close();
    }
  } else if (t.kind === 'postgres') {
    rows = await queryDb(url, `SELECT * FROM "${table}" ORDER BY 1`);
  } else {
    const c = await mysql.createConnection({ uri: url });
    try {
      rows = (await c.query(`SELECT * FROM \`${table}\` ORDER BY 1`))[0] as Array<Record<string, unknown>>;
    } finally {
      await c.end();
    }
  }
  return rows.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, typeof v === 'bigint' ? Number(v) : v])));
}

/** Table names of the database. */
export async function tableNames(url: string): Promise<string[]> {
  const t = parseDatabaseUrl(url);
  if (t.kind === 'sqlite') {
    const db = new Database(t.filename, { readonly: true });
    try {
      return (db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name`).all() as Array<{ name: string }>).map((r) => r.name);
    } finally {
      db.close();
    }
  }
  if (t.kind === 'postgres') {
    return (await queryDb(url, 'SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema() ORDER BY 1')).map((r) => String(r.name));
  }
  const c = await mysql.createConnection({ uri: url });
  try {
    return ((await c.query('SELECT table_name AS name FROM information_schema.tables WHERE table_schema = DATABASE() ORDER BY 1'))[0] as Array<{ name: string }>).map((r) => r.name);
  } finally {
    await c.end();
  }
}
