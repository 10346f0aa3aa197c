/** Paths are never mistaken for literals (issue 12, point 3). */
import { describe, expect, it } from 'vitest';
import { parseSpecText } from '../spec/load.js';
import { validateLoaded } from './index.js';

const spec = (value: string, extra = '') => `projection: p
group: g
topics: [t]
tables:
  t:
    key: [id]
    columns:
      id: string
      driver: { type: string, nullable: true }
      lines: { type: json, nullable: true }
on:
  ride.rated:
    - insert: t
      set: { id: $.entity_id, driver: ${value} }
${extra}`;
const check = (text: string) => validateLoaded(parseSpecText('inline.yaml', text)).diagnostics.map((d) => `${d.code} ${d.message}`);
const meant = (text: string) => /did you mean "([^"]+)"/.exec(check(text).join('\n'))?.[1];

describe('a literal that looks like a path', () => {
  it.each([
    ['data.driver.id', '$.data.driver.id'],
    ['.data.driver.id', '$.data.driver.id'],
    ['entity_id', '$.entity_id'],
    ['timestamp', '$.timestamp'],
    ['data', '$.data'],
    ['data.items[0].sku', '$.data.items[0].sku'],
  ])('%s is an E_LOOKS_LIKE_PATH with did-you-mean %s', (literal, path) => {
    const [d] = check(spec(JSON.stringify(literal)));
    expect(d).toMatch(/^E_LOOKS_LIKE_PATH /);
    expect(meant(spec(JSON.stringify(literal)))).toBe(path);
  });

  it('$data.x is not a path, and the message says which path was meant', () => {
    expect(check(spec('$data.driver'))).toEqual([expect.stringMatching(/^E_VALUE_SYNTAX "\$data.driver" is not a path \(did you mean "\$.data.driver"\?\)/)]);
  });

  it('a bare name of a data field the projection reads elsewhere', () => {
    const other = '  ride.started:\n    - update: t\n      set: { driver: $.data.driver_id }\n';
    expect(meant(spec('driver_id', other))).toBe('$.data.driver_id');
  });

  it('item.x inside a loop means $item.x', () => {
    const text = spec('$.x', '    - update: t\n      set:\n        lines: { map: $.data.lines, to: { sku: item.sku } }\n');
    expect(meant(text)).toBe('$item.sku');
  });

  it('the default of a path form is checked too', () => {
    expect(meant(spec('{ path: $.data.driver, default: data.fallback }'))).toBe('$.data.fallback');
  });

  it.each(['completed', 'pending', 'order.created', 'v1.2', 'a b', 'https://x.y/z', 'id', 'user.signup'])('%s stays a plain literal', (literal) => {
    expect(check(spec(JSON.stringify(literal)))).toEqual([]);
  });

  it('{ const: … } stores such text on purpose', () => {
    expect(check(spec('{ const: data.driver.id }'))).toEqual([]);
    expect(check(spec('{ const: entity_id }'))).toEqual([]);
  });

  it('the envelope the projection declares decides the names', () => {
    const text = spec('code').replace('topics: [t]', 'topics: [t]\nenvelope: { type: $.code }');
    expect(meant(text)).toBe('$.code');
  });
});
