/** What validates, applies (issue 12, point 6): the checks that keep MariaDB from refusing an accepted spec. */
import { describe, expect, it } from 'vitest';
import { compileTable } from '../compile/table.js';
import { parseSpecText } from '../spec/load.js';
import { tableStatements } from '../sql/ddl.js';
import { validateLoaded } from './index.js';

const spec = (columns: string, extra = '', on = '    - insert: t\n      set: { id: $.entity_id }\n') => `projection: p
group: g
topics: [t]
tables:
  t:
    key: [id]
    columns:
      id: string
${columns}${extra}
on:
  e:
${on}`;
const codes = (text: string) => validateLoaded(parseSpecText('inline.yaml', text)).diagnostics.map((d) => `${d.code} ${d.message}`);

describe('row size and key length', () => {
  it('a string of length 16383 beside a key is over the 65,535-byte row (MariaDB error 1118)', () => {
    expect(codes(spec('      body: { type: string, length: 16383, nullable: true }\n'))).toEqual([
      expect.stringMatching(/^E_ROW_SIZE a row of table t takes up to 66557 bytes, over MariaDB's 65535-byte row limit \(error 1118/),
    ]);
  });

  it('the largest string that fits beside a varchar(64) key is accepted', () => {
    expect(codes(spec('      body: { type: string, length: 16318, nullable: true }\n').replace('id: string', 'id: { type: string, length: 64 }'))).toEqual([]);
    expect(codes(spec('      body: { type: string, length: 16319, nullable: true }\n').replace('id: string', 'id: { type: string, length: 64 }'))[0]).toMatch(/^E_ROW_SIZE/);
  });

  it('many fixed-size columns are over the 8,126 bytes InnoDB keeps in the page', () => {
    const cols = Array.from({ length: 271 }, (_, i) => `      d${i}: { type: decimal, precision: 65, scale: 30, nullable: true }\n`).join('');
    expect(codes(spec(cols))[0]).toMatch(/^E_ROW_SIZE a row of table t keeps about \d+ bytes in the InnoDB page/);
  });

  it('a key over 3072 bytes', () => {
    expect(codes(spec('      b: { type: string, length: 600 }\n').replace('key: [id]', 'key: [id, b]'))[0]).toMatch(/^E_INDEX_COLUMN key of 3420 bytes exceeds the 2600-byte index limit every database can hold/);
  });

  it('a key over 2600 bytes, which InnoDB holds but PostgreSQL refuses at insert time (error 54000), is refused for every database', () => {
    // 676 4-byte characters: 2704 bytes of value, an index entry of 2720 bytes on PostgreSQL 15.
    const key = (n: number): string[] => codes(spec(`      b: { type: string, length: ${n} }\n`, '', '    - insert: t\n      set: { id: $.entity_id, b: $.b }\n').replace('key: [id]', 'key: [b]'));
    expect(key(676)[0]).toMatch(/^E_INDEX_COLUMN key of 2704 bytes exceeds the 2600-byte index limit/);
    expect(key(650)).toEqual([]);
  });
});

describe('indexes', () => {
  it('the same index twice is an error (one name: the database would keep one, silently)', () => {
    expect(codes(spec('      a: { type: string, nullable: true }\n', '    indexes: [[a], [id], [a]]\n'))).toEqual(['E_INDEX_COLUMN index (a) of table t is declared twice (also item 0): remove one']);
  });
});

describe('defaults are checked and normalised against their column type', () => {
  const ddl = (columns: string) => {
    const v = validateLoaded(parseSpecText('inline.yaml', spec(columns)));
    expect(v.diagnostics).toEqual([]);
    const table = v.plan?.tables[0];
    if (table === undefined) throw new Error('no table');
    return tableStatements(table, 'mysql').create;
  };

  it('boolean "true" is 1 (MariaDB error 1067 as written)', () => {
    expect(ddl('      b: { type: boolean, default: "true" }\n')).toContain('`b` tinyint(1) not null default 1');
  });

  it('a datetime default as ISO-8601 with a zone, or as epoch milliseconds', () => {
    expect(ddl('      at: { type: datetime, default: "2026-01-02T03:04:05.678+01:00" }\n')).toContain("`at` datetime(3) not null default '2026-01-02 02:04:05.678'");
    expect(ddl('      at: { type: datetime, default: 0 }\n')).toContain("`at` datetime(3) not null default '1970-01-01 00:00:00.000'");
  });

  it('an int default given as text is a number', () => {
    expect(ddl('      n: { type: int, default: "7" }\n')).toContain('`n` int not null default 7');
  });

  it('a default that does not fit is an error', () => {
    expect(codes(spec('      at: { type: datetime, default: "yesterday" }\n'))[0]).toMatch(/^E_LITERAL_TYPE column at \(datetime\): expected an ISO-8601 date-time/);
    expect(codes(spec('      b: { type: boolean, default: "yes" }\n'))[0]).toMatch(/^E_LITERAL_TYPE/);
  });

  it('compileTable keeps the default as written (the plan shows the spec)', () => {
    expect(compileTable('t', { columns: { b: { type: 'boolean', default: 'true' } } }).columns[0]?.default).toBe('true');
  });
});

describe('names', () => {
  it('a topic leaves room for .dlq (Kafka allows 249 characters)', () => {
    const text = spec('').replace('topics: [t]', `topics: [${'t'.repeat(246)}]`);
    expect(codes(text)).toEqual(['E_RANGE topic name of 246 characters: at most 245, so that its dead-letter topic .dlq fits Kafka\'s 249']);
    expect(codes(spec('').replace('topics: [t]', `topics: [${'t'.repeat(245)}]`))).toEqual([]);
  });

  it.each(['__proto__', 'constructor', 'toString', 'hasOwnProperty'])('event type %s is an error', (name) => {
    expect(codes(spec('').replace('  e:\n', `  ${name}:\n`))).toEqual([expect.stringMatching(new RegExp(`^E_RESERVED_NAME "${name}" cannot be an event type`))]);
  });

  it('__proto__ as a key of object or map.to, a table or a column', () => {
    const j = '      j: { type: json, nullable: true }\n';
    expect(codes(spec(j, '', '    - insert: t\n      set: { id: $.x, j: { object: { __proto__: $.x } } }\n'))).toEqual([expect.stringMatching(/^E_RESERVED_NAME "__proto__" cannot be a key of object/)]);
    expect(codes(spec(j, '', '    - insert: t\n      set: { id: $.x, j: { map: $.data.l, to: { constructor: $item } } }\n'))).toEqual([expect.stringMatching(/^E_RESERVED_NAME "constructor" cannot be a key of map.to/)]);
    expect(codes(spec('      __proto__: { type: string, nullable: true }\n'))).toEqual([expect.stringMatching(/^E_RESERVED_NAME "__proto__" cannot be a column name/)]);
    expect(codes(spec('').replace('  t:\n', '  constructor:\n').replace('insert: t', 'insert: constructor'))).toEqual([expect.stringMatching(/^E_RESERVED_NAME "constructor" cannot be a table name/)]);
  });
});
