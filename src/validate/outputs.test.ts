import { describe, expect, it } from 'vitest';
import { parseSpecText } from '../spec/load.js';
import { validateLoaded } from './index.js';

const SPEC = `projection: p
group: \${GROUP_X:-g1}
topics: ["\${TOPIC_X}"]
outputs:
  api:
    http:
      url: \${API_URL:-not a url}
      headers: { Authorization: "Bearer \${API_SECRET}" }
      timeout: \${API_TIMEOUT:-abc}
    lists: [one]
    flush: { interval: "\${FLUSH_S:-5}", max_records: 10 }
    body: { object: { id: $.id, one: $.lists.one, bad: $item } }
on:
  T:
    - append: api
      list: two
      for_each: $.items
    - append: nowhere
      list: one
`;

describe('outputs validation', () => {
  it('reports every problem with file:line:col: missing variables by name, URL, numbers, unknown outputs and lists, $item outside a loop', () => {
    const v = validateLoaded(parseSpecText('s.yaml', SPEC), {});
    const got = v.diagnostics.map((d) => `${d.line}:${d.col} ${d.code} ${d.message}`);
    expect(got).toEqual([
      expect.stringMatching(/^3:10 E_ENV_MISSING environment variable TOPIC_X is not set/),
      expect.stringMatching(/^7:12 E_URL output api: "not a url" is not an http:\/\/ or https:\/\/ URL/),
      expect.stringMatching(/^8:33 E_ENV_MISSING environment variable API_SECRET is not set/),
      expect.stringMatching(/^9:16 E_TYPE/),
      expect.stringMatching(/^12:56 E_ITEM_OUTSIDE_LOOP/),
      expect.stringMatching(/^16:13 E_UNKNOWN_LIST output api has no list two; its lists: one/),
      expect.stringMatching(/^18:15 E_UNKNOWN_OUTPUT unknown output nowhere; this projection declares: api/),
    ]);
    expect(v.plan).toBeUndefined();
  });

  it('checks the semantics once the environment resolves', () => {
    const v = validateLoaded(parseSpecText('s.yaml', SPEC.replace('${API_TIMEOUT:-abc}', '${API_TIMEOUT:-2.5}')), { TOPIC_X: 't', API_SECRET: 's' });
    const got = v.diagnostics.map((d) => `${d.line}:${d.col} ${d.code}`);
    expect(got).toEqual(['7:12 E_URL', '12:56 E_ITEM_OUTSIDE_LOOP', '16:13 E_UNKNOWN_LIST', '18:15 E_UNKNOWN_OUTPUT']);
  });

  it('compiles resolved values into the plan, and keeps header templates (secrets) unresolved', () => {
    const text = SPEC.replace('${API_URL:-not a url}', '${API_URL:-http://h:1}/x').replace('${API_TIMEOUT:-abc}', '${API_TIMEOUT:-2.5}').replace(', bad: $item', '').replace('list: two', 'list: one').replace('append: nowhere', 'append: api');
    const v = validateLoaded(parseSpecText('s.yaml', text), { TOPIC_X: 'orders.v1', API_SECRET: 'hunter2', FLUSH_S: '7' });
    expect(v.diagnostics).toEqual([]);
    const o = v.plan?.outputs?.[0];
    expect(o).toMatchObject({ name: 'api', group: 'g1', url: 'http://h:1/x', timeoutMs: 2500, headers: { Authorization: 'Bearer ${API_SECRET}' }, flush: { intervalMs: 7000, maxRecords: 10 } });
    expect(v.plan?.groups).toEqual([{ group: 'g1', topics: ['orders.v1'], projections: ['p'] }]);
    expect(JSON.stringify(v.plan)).not.toContain('hunter2');
  });
});
