/**
 * The schema registry client against a fake transport, every branch (issue 22): a schema fetched
 * once by id and cached; references fetched transitively and parsed first; the registry's own
 * "not found" is an answer (a dead letter's reason), while no answer, a 5xx, a 401 or a 404
 * that is not the registry's is an outage: waited out with backoff, reported, and resumed.
 */
import avro from 'avsc';
import { describe, expect, it } from 'vitest';
import { StoppedError } from '../commit/errors.js';
import type { Clock } from '../commit/retrying.js';
import type { Logger } from '../ops/log.js';
import type { RegistryAnswer } from './http.js';
import { SchemaRegistry } from './registry.js';

const ok = (schema: unknown, extra: Record<string, unknown> = {}): RegistryAnswer => ({ status: 200, body: JSON.stringify({ schema: JSON.stringify(schema), ...extra }) });
const notFound: RegistryAnswer = { status: 404, body: JSON.stringify({ error_code: 40403, message: 'Schema not found' }) };
const REC = { type: 'record', name: 'R', fields: [{ name: 'a', type: 'string' }] };

function setup(answers: Record<string, Array<RegistryAnswer | Error>>, o: { parallel?: number } = {}) {
  const asked: string[] = [];
  let open = 0;
  let maxOpen = 0;
  const lines: Array<{ level: string; msg: string; fields?: Record<string, unknown> }> = [];
  const log: Logger = {
    info: (msg, fields) => lines.push({ level: 'info', msg, fields }),
    warn: (msg, fields) => lines.push({ level: 'warn', msg, fields }),
    error: (msg, fields) => lines.push({ level: 'error', msg, fields }),
  };
  let now = 1_000;
  const clock: Clock = { now: () => now, sleep: async (ms) => { now += ms; } };
  const registry = new SchemaRegistry({
    display: 'http://registry:8081', log, clock, backoff: { initialMs: 100, maxMs: 1_000 }, ...o,
    transport: async (path) => {
      asked.push(path);
      open++;
      maxOpen = Math.max(maxOpen, open);
      await new Promise((r) => setTimeout(r, 1));
      open--;
      const queue = answers[path];
      const next = queue === undefined ? notFound : queue.length > 1 ? queue.shift() : queue[0];
      if (next instanceof Error) throw next;
      return next ?? notFound;
    },
  });
  return { registry, asked, lines, maxOpen: () => maxOpen, now: () => now, advance: (ms: number) => { now += ms; } };
}

const read = (r: SchemaRegistry, id: number, body: Buffer): unknown => {
  const l = r.lookup(id);
  if (l === undefined || 'reason' in l) throw new Error(`no reader: ${JSON.stringify(l)}`);
  return l.reader.read(body);
};

describe('SchemaRegistry', () => {
  it('fetches a schema by id once and builds its reader', async () => {
    const { registry, asked } = setup({ '/schemas/ids/7': [ok(REC)] });
    expect(registry.lookup(7)).toBeUndefined();
    await registry.fetch([7], {});
    await registry.fetch([7], {});
    expect(asked).toEqual(['/schemas/ids/7']);
    expect(read(registry, 7, avro.Type.forSchema(REC as avro.Schema).toBuffer({ a: 'x' }))).toEqual({ a: 'x' });
  });

  it('asks once for an id two groups fetch at the same time', async () => {
    const { registry, asked } = setup({ '/schemas/ids/7': [ok(REC)] });
    await Promise.all([registry.fetch([7], {}), registry.fetch([7], {})]);
    expect(asked).toEqual(['/schemas/ids/7']);
  });

  it('fetches at most `parallel` schemas at once', async () => {
    const answers = Object.fromEntries([1, 2, 3, 4, 5, 6].map((i) => [`/schemas/ids/${i}`, [ok(REC)]]));
    const { registry, asked, maxOpen } = setup(answers, { parallel: 2 });
    await registry.fetch([1, 2, 3, 4, 5, 6], {});
    expect(asked).toHaveLength(6);
    expect(maxOpen()).toBe(2);
  });

  it('fetches references transitively, each before the schemas that use it', async () => {
    const money = { type: 'record', name: 'Money', namespace: 'm', fields: [{ name: 'cents', type: 'long' }, { name: 'cur', type: 'm.Currency' }] };
    const currency = { type: 'enum', name: 'Currency', namespace: 'm', symbols: ['EUR', 'USD'] };
    const top = { type: 'record', name: 'Top', fields: [{ name: 'price', type: 'm.Money' }] };
    const { registry, asked } = setup({
      '/schemas/ids/9': [ok(top, { references: [{ name: 'm.Money', subject: 'money', version: 2 }] })],
      '/subjects/money/versions/2': [ok(money, { references: [{ name: 'm.Currency', subject: 'currency', version: 1 }] })],
      '/subjects/currency/versions/1': [ok(currency)],
    });
    await registry.fetch([9], {});
    expect(asked).toEqual(['/schemas/ids/9', '/subjects/money/versions/2', '/subjects/currency/versions/1']);
    const writer = avro.Type.forSchema({ ...top, fields: [{ name: 'price', type: { ...money, fields: [money.fields[0], { name: 'cur', type: currency }] } }] } as avro.Schema);
    expect(read(registry, 9, writer.toBuffer({ price: { cents: 1250, cur: 'USD' } }))).toEqual({ price: { cents: 1250, cur: 'USD' } });
  });

  it('answers an id the registry does not know (and a missing reference) with a reason, asked once', async () => {
    const { registry, asked } = setup({ '/schemas/ids/8': [ok(REC, { references: [{ name: 'x.Y', subject: 'gone', version: 3 }] })] });
    await registry.fetch([5, 8], {});
    await registry.fetch([5], {});
    expect(registry.lookup(5)).toEqual({ reason: 'schema id 5 is not in the schema registry' });
    expect(registry.lookup(8)).toEqual({ reason: 'schema id 8 cannot be used: its reference x.Y (gone version 3) is not in the schema registry' });
    expect(asked.filter((p) => p === '/schemas/ids/5')).toHaveLength(1);
  });

  it('asks again for an id it did not know once the answer is a minute old, and reads it once registered', async () => {
    const { registry, asked, advance } = setup({ '/schemas/ids/5': [notFound, ok(REC)] });
    await registry.fetch([5], {});
    expect(registry.stale(5)).toBe(false);
    advance(59_999);
    expect(registry.stale(5)).toBe(false);
    advance(1);
    expect(registry.stale(5)).toBe(true);
    expect(registry.lookup(5)).toHaveProperty('reason');
    await registry.fetch([5], {});
    expect(asked).toEqual(['/schemas/ids/5', '/schemas/ids/5']);
    expect(registry.lookup(5)).toHaveProperty('reader');
    expect(registry.stale(5)).toBe(false);
  });

  it('answers a schema no reader can be built from, or of a type it does not read, with a reason', async () => {
    const { registry } = setup({ '/schemas/ids/1': [ok({ type: 'record', name: 'R', fields: [{ name: 'a', type: 'nope' }] })], '/schemas/ids/2': [ok('x', { schemaType: 'XML' })], '/schemas/ids/3': [ok('x', { schemaType: 'PROTOBUF' })] });
    await registry.fetch([1, 2, 3], {});
    expect(registry.lookup(1)).toMatchObject({ reason: expect.stringMatching(/^schema id 1 cannot be used: .*nope/u) });
    expect(registry.lookup(2)).toEqual({ reason: 'schema id 2 is a XML schema, which this build does not read' });
    // PROTOBUF and JSON have readers: a .proto that does not parse is the reader's reason.
    expect(registry.lookup(3)).toMatchObject({ reason: expect.stringMatching(/^schema id 3 cannot be used: the schema is not a Protobuf schema: /u) });
  });

  it.each([
    ['refused', Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:8081'), { code: 'ECONNREFUSED' }), /does not answer: connect ECONNREFUSED/u],
    ['a 503', { status: 503, body: 'busy' }, /answered HTTP 503/u],
    ['a 401', { status: 401, body: '{"error_code":40101}' }, /answered HTTP 401/u],
    ['a 404 that is not the registry\'s', { status: 404, body: '<html>no</html>' }, /answered HTTP 404 .*is the URL the registry's API/u],
  ])('waits out %s as an outage (reported, logged with the URL), then resumes by itself', async (_name, failure, cause) => {
    const { registry, lines, asked } = setup({ '/schemas/ids/7': [failure, failure, failure, ok(REC)] });
    const seen: Array<unknown> = [];
    await registry.fetch([7], { heartbeat: async () => { seen.push(registry.outage()); } });
    expect(asked).toHaveLength(4);
    expect(seen[0]).toMatchObject({ since: 1_000, registry: 'http://registry:8081', cause: expect.stringMatching(cause) });
    expect(registry.outage()).toBeUndefined();
    expect(registry.lookup(7)).toHaveProperty('reader');
    const warns = lines.filter((l) => l.level === 'warn');
    expect(warns).toHaveLength(3);
    expect(warns[0]).toMatchObject({ msg: 'schema registry unavailable: consumption paused, retrying', fields: { registry: 'http://registry:8081', error: expect.stringMatching(cause) } });
    expect(lines.at(-1)).toMatchObject({ level: 'info', msg: 'schema registry answers again, consuming' });
  });

  it('ends a wait for the registry when the run stops (StoppedError, nothing cached)', async () => {
    const { registry } = setup({ '/schemas/ids/7': [new Error('down')] });
    let stop = false;
    await expect(registry.fetch([7], { heartbeat: async () => { stop = true; }, stopping: () => stop })).rejects.toBeInstanceOf(StoppedError);
    expect(registry.lookup(7)).toBeUndefined();
  });
});
