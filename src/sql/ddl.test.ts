import { describe, expect, it } from 'vitest';
import { LOG_COLUMNS } from '../compile/plan.js';
import type { TableDef } from '../compile/plan.js';
import { columnSqlType, createTableStatements, ddlScript, indexName, primaryKeyName, tableStatements } from './ddl.js';
import type { Dialect } from './ddl.js';
import { ENGINE_TABLES } from './engine-tables.js';
import { orderLines } from '../../test/fixtures/tables.js';


/** A guarded read model: `version` names its version column. */
const parts: TableDef = {
  name: 'parts',
  columns: [
    { name: 'part_id', type: 'string', length: 64, nullable: false },
    { name: 'title', type: 'string', length: 200, nullable: false },
    { name: 'entity_version', type: 'bigint', nullable: false, default: 0, implicit: true },
  ],
  key: ['part_id'],
  unique: [],
  indexes: [],
  version: 'entity_version',
  log: false,
};

/** A log table: the implicit envelope columns come first. */
const orderEvents: TableDef = {
  name: 'order_events',
  columns: [...LOG_COLUMNS, { name: 'order_id', type: 'string', length: 64, nullable: false }],
  key: ['event_id'],
  unique: [],
  indexes: [['order_id', 'event_timestamp']],
  log: true,
};

/** Index names past the identifier limit get truncated plus a hash. */
const longNames: TableDef = {
  name: 'supplier_community_feed_card_impressions',
  columns: [
    { name: 'community_identifier', type: 'string', length: 64, nullable: false },
    { name: 'supplier_identifier', type: 'string', length: 64, nullable: false },
  ],
  key: [],
  unique: [['community_identifier', 'supplier_identifier']],
  indexes: [['supplier_identifier', 'community_identifier']],
  log: false,
};

const FIXTURE = [parts, orderLines, longNames, orderEvents];
const DIALECTS: Dialect[] = ['mysql', 'postgres', 'sqlite'];

describe('ddl golden files', () => {
  for (const dialect of DIALECTS) {
    it(`fixture tables, ${dialect}`, async () => {
      await expect(ddlScript(FIXTURE, dialect)).toMatchFileSnapshot(`../../test/golden/ddl/fixture.${dialect}.sql`);
    });
    it(`engine tables, ${dialect}`, async () => {
      await expect(ddlScript(ENGINE_TABLES, dialect)).toMatchFileSnapshot(`../../test/golden/ddl/engine.${dialect}.sql`);
    });
  }
});

describe('createTableStatements', () => {
  it('sorts tables by name and puts each table right before its indexes', () => {
    const shape = createTableStatements(FIXTURE, 'sqlite').map((s) =>
      s.startsWith('create table') ? `T ${/`(\w+)`/.exec(s)?.[1]}` : `I ${/ on `(\w+)`/.exec(s)?.[1]}`,
    );
    const long = 'supplier_community_feed_card_impressions';
    expect(shape).toEqual([
      ...['T order_events', 'I order_events'],
      ...['T order_lines', 'I order_lines', 'I order_lines', 'I order_lines'],
      'T parts',
      ...[`T ${long}`, `I ${long}`, `I ${long}`],
    ]);
  });

  it('mysql: InnoDB, utf8mb4, millisecond datetimes, MEDIUMTEXT, tinyint(1) booleans', () => {
    const sql = tableStatements(orderLines, 'mysql').create;
    expect(sql).toContain('`placed_at` datetime(3) not null default \'1970-01-01 00:00:00.000\'');
    expect(sql).toContain('`note` mediumtext null');
    expect(sql).toContain('`is_paid` tinyint(1) not null default 1');
    expect(sql).toContain('`unit_price` decimal(12,4) not null default 0');
    expect(sql).toContain('`discount` decimal(18,2) null');
    expect(sql).toContain('`sku` varchar(255) not null');
    expect(sql).toContain("`status` varchar(32) not null default 'it\\'s new?'");
    expect(sql).toContain('`attributes` json null');
    expect(sql).toContain('primary key (`order_id`, `line_no`)');
    expect(sql).toMatch(/default character set utf8mb4 collate utf8mb4_unicode_ci engine = InnoDB$/);
  });

  it('postgres: TRUE/FALSE defaults, timestamp(3), jsonb', () => {
    const sql = tableStatements(orderLines, 'postgres').create;
    expect(sql).toContain('"is_gift" boolean not null default false');
    expect(sql).toContain('"placed_at" timestamp(3) not null');
    expect(sql).toContain('"attributes" jsonb null');
    expect(sql).toContain(`"status" varchar(32) not null default 'it''s new?'`);
  });

  it('sqlite: booleans are 1/0 integers, datetimes and json are text', () => {
    const sql = tableStatements(orderLines, 'sqlite').create;
    expect(sql).toContain('`is_gift` integer not null default 0');
    expect(sql).toContain('`shipped_at` text null');
    expect(sql).toContain('`attributes` text null');
  });

  it('names indexes idx_/uq_ and emits IF NOT EXISTS', () => {
    const { indexes } = tableStatements(orderLines, 'mysql');
    expect(indexes.map((i) => i.sql)).toEqual([
      `create unique index if not exists \`${indexName('uq', 'order_lines', ['order_id', 'sku'])}\` on \`order_lines\` (\`order_id\`, \`sku\`)`,
      `create index if not exists \`${indexName('idx', 'order_lines', ['sku'])}\` on \`order_lines\` (\`sku\`)`,
      `create index if not exists \`${indexName('idx', 'order_lines', ['status', 'placed_at'])}\` on \`order_lines\` (\`status\`, \`placed_at\`)`,
    ]);
  });
});

describe('indexName', () => {
  it('is readable, with a stable hash', () => {
    expect(indexName('idx', 'widgets', ['a', 'b'])).toMatch(/^idx_widgets_a_b_[0-9a-f]{8}$/);
    expect(indexName('idx', 'widgets', ['a', 'b'])).toBe(indexName('idx', 'widgets', ['a', 'b']));
  });
  it('tells apart tables and columns whose names join the same way (uq_a_b_c)', () => {
    const names = [indexName('uq', 'a_b', ['c']), indexName('uq', 'a', ['b_c']), indexName('uq', 'a', ['b', 'c']), indexName('idx', 'a', ['b', 'c'])];
    expect(new Set(names).size).toBe(4);
    expect(names.every((n) => n.startsWith('uq_a_b_c_') || n.startsWith('idx_a_b_c_'))).toBe(true);
  });
  it('truncates long names to at most 63 characters with a stable hash', () => {
    const a = indexName('uq', longNames.name, ['community_identifier', 'supplier_identifier']);
    const b = indexName('idx', longNames.name, ['community_identifier', 'supplier_identifier', 'x']);
    expect(a.length).toBeLessThanOrEqual(63);
    expect(a).toMatch(/^uq_supplier_community_feed_card_impressions_community_[0-9a-f]{8}$/);
    expect(indexName('uq', longNames.name, ['community_identifier', 'supplier_identifier'])).toBe(a);
    expect(b.slice(-8)).not.toBe(a.slice(-8));
  });
});

describe('a rebuild generation\'s primary key (PostgreSQL names it per schema)', () => {
  const table: TableDef = { name: 'rows__next', columns: [{ name: 'id', type: 'int', nullable: false }], key: ['id'], unique: [], indexes: [], log: false, indexBase: 'rows__abc123' };
  it('is named after the generation on PostgreSQL only, so a second rebuild never meets the first one\'s key', () => {
    expect(tableStatements(table, 'postgres').create).toContain('constraint "rows__abc123_pkey" primary key ("id")');
    expect(tableStatements({ ...table, indexBase: undefined }, 'postgres').create).toContain('constraint "rows__next_pkey" primary key ("id")');
    expect(tableStatements(table, 'mysql').create).toContain('primary key (`id`)');
    expect(tableStatements(table, 'mysql').create).not.toContain('constraint');
    expect(tableStatements(table, 'sqlite').create).not.toContain('constraint');
  });
  it('fits 63 characters, distinct per generation, where PostgreSQL would cut the tag off', () => {
    const base = (tag: string) => `${'t'.repeat(55)}__${tag}`;
    const [a, b] = [primaryKeyName(base('abc123')), primaryKeyName(base('def456'))];
    expect(a.length).toBeLessThanOrEqual(63);
    expect(a).not.toBe(b);
    expect(primaryKeyName('short__abc123')).toBe('short__abc123_pkey');
  });
});

describe('engine tables', () => {
  it('use the sc_ prefix and are sorted', () => {
    const names = ENGINE_TABLES.map((t) => t.name);
    expect(names).toEqual(['sc_consumer_positions', 'sc_dead_letters', 'sc_processed_events', 'sc_replayed_letters', 'sc_sources', 'sc_spec_fingerprints']);
  });
  it('have keys within the index limit every database holds (validate/tables.ts MAX_INDEX_BYTES)', () => {
    const bytes = { int: 4, bigint: 8 } as Record<string, number>;
    for (const t of ENGINE_TABLES) {
      const size = t.key
        .map((k) => t.columns.find((c) => c.name === k))
        .reduce((n, c) => n + (c?.type === 'string' ? (c.length ?? 255) * 4 : (bytes[c?.type ?? ''] ?? Infinity)), 0);
      expect(size, t.name).toBeLessThanOrEqual(2600);
    }
  });
});

describe('ddlScript', () => {
  it('has a header and ends every statement with a semicolon', () => {
    const script = ddlScript([parts], 'postgres');
    expect(script.startsWith('-- sc-project ddl for postgres (PostgreSQL 13+); tables: 1.\n')).toBe(true);
    expect(script.endsWith(');\n')).toBe(true);
  });
  it('prints only the header for no tables', () => {
    expect(ddlScript([], 'sqlite')).toMatch(/^(--[^\n]*\n)+$/);
  });
  it('types every column type for every dialect', () => {
    for (const d of DIALECTS) for (const c of orderLines.columns) expect(columnSqlType(c, d)).toMatch(/^[a-z]/);
  });
  it('rejects non-finite number defaults', () => {
    const bad: TableDef = { ...parts, columns: [{ name: 'x', type: 'int', nullable: false, default: NaN }] };
    expect(() => tableStatements(bad, 'mysql')).toThrow(/finite/);
  });
});
