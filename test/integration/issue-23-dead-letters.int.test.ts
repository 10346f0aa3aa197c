/**
 * Issue 23, dead letters you can work with, through real Kafka and each server database (MariaDB,
 * PostgreSQL: sc_dead_letters' bytes are bytea there): a spec whose column is
 * too short dead-letters events (to `<topic>.dlq` from Kafka, to sc_dead_letters with `--from`);
 * `dead-letters list` and `show` find them in both, filtered, counted by reason, decoded; `purge`
 * counts without --yes and marks a topic's letters purged with it.
 */
import { describe, expect, it } from 'vitest';
import { listCommand, purgeCommand, showCommand, type LetterCommandOptions } from '../../src/cli/dead-letters.js';
import { createTopics, deleteTopics, waitDrained } from '../helpers/kafka.js';
import { itemEvents, lettersFlow, produceEvents, writeNdjson, type LettersFlow } from '../helpers/letters-scenario.js';
import { startInProcess } from '../helpers/runner.js';
import { testResources } from '../helpers/scenario.js';
import { eachServer, KAFKA_BROKERS } from '../helpers/services.js';

const { skip, servers } = eachServer('KAFKA_BROKERS');

interface ListJson {
  stores: string[];
  total: number;
  by_reason: Array<{ reason: string; count: number }>;
  letters: Array<{ id: string; store: string; topic: string; offset: number; group: string; event_type: string | null; attempts: number }>;
}

describe.skipIf(skip).each(servers)('dead letters (issue 23) on $name', (server) => {
  const { onCleanup } = testResources();

  async function setUp(test: string): Promise<{ flow: LettersFlow; url: string }> {
    const flow = lettersFlow(test);
    const db = await server.fresh(`sc_it_${test}`);
    onCleanup(() => flow.remove(), () => db.drop(), () => deleteTopics([flow.topic, `${flow.topic}.dlq`]));
    return { flow, url: db.url };
  }

  const opts = (flow: LettersFlow, url: string | undefined, more: Partial<LetterCommandOptions> = {}): LetterCommandOptions => ({
    config: [flow.dir], ...(url !== undefined ? { databaseUrl: url } : {}), format: 'json', ...more,
  });

  it('lists and shows the letters of a .dlq topic (a Kafka run) and of sc_dead_letters (a --from run)', async () => {
    const { flow, url } = await setUp('dlqlist');
    const events = itemEvents(40);
    const bad = events.filter((e) => e.kind !== 'short');
    await createTopics([flow.topic], 3);
    await produceEvents(flow.topic, events);
    const { rt } = await startInProcess({ config: flow.dir, databaseUrl: url });
    await waitDrained(url, flow.group, [flow.topic]);
    await rt.stop();

    // The topic's letters (the table has none): counted by reason, filtered, newest first.
    const fromTopic = await listCommand(opts(flow, url, { brokers: KAFKA_BROKERS }));
    expect(fromTopic.stderr).toBe('');
    const list = JSON.parse(fromTopic.stdout) as ListJson;
    expect(list.stores).toEqual(['table', 'topic']);
    expect(list.total).toBe(bad.length);
    expect(list.by_reason.reduce((n, r) => n + r.count, 0)).toBe(bad.length);
    expect(list.letters.every((l) => l.store === 'topic' && l.group === flow.group && l.event_type === 'item.made')).toBe(true);
    const narrowed = JSON.parse((await listCommand(opts(flow, url, { brokers: KAFKA_BROKERS, type: 'item.made', reason: 'NAME', limit: '3' }))).stdout) as ListJson;
    expect(narrowed.total).toBe(bad.length);
    expect(narrowed.letters).toHaveLength(3);
    expect((JSON.parse((await listCommand(opts(flow, url, { brokers: KAFKA_BROKERS, group: 'another-group' }))).stdout) as ListJson).total).toBe(0);

    const one = list.letters[0] as ListJson['letters'][number];
    const shown = await showCommand(one.id, { ...opts(flow, url, { brokers: KAFKA_BROKERS }), format: 'text' });
    expect(shown.code).toBe(0);
    expect(shown.stdout).toMatch(new RegExp(`source: +${flow.topic.replaceAll('.', '\\.')} partition \\d offset ${one.offset}`, 'u'));
    expect(shown.stdout).toMatch(/value \(JSON\):\n\{\n {2}"event_id": "e-i\d+",/u);
    expect(shown.stdout).toMatch(/headers:\n {2}sc-reason: /u);
    expect(shown.stdout).toMatch(/attempts: +1/u);

    // Purge: the count and nothing changed without --yes; with it the topic letters are marked purged.
    const tooLong = events.filter((e) => e.kind === 'too-long').length;
    const asked = await purgeCommand({ ...opts(flow, url, { brokers: KAFKA_BROKERS, reason: 'value of 50 characters' }), format: 'text' });
    expect(asked).toMatchObject({ code: 1, stdout: `${tooLong} dead letter(s) would be purged: 0 in sc_dead_letters, ${tooLong} in .dlq topics (marked purged: a topic cannot be changed)\n` });
    expect((JSON.parse((await listCommand(opts(flow, url, { brokers: KAFKA_BROKERS }))).stdout) as ListJson).total).toBe(bad.length);
    expect((await purgeCommand({ ...opts(flow, url, { brokers: KAFKA_BROKERS, reason: 'value of 50 characters' }), format: 'text', yes: true })).code).toBe(0);
    expect((JSON.parse((await listCommand(opts(flow, url, { brokers: KAFKA_BROKERS }))).stdout) as ListJson).total).toBe(bad.length - tooLong);

    // A --from run of the same events into another database: its letters are rows of the table.
    const other = await server.fresh('sc_it_dlqlist_file');
    onCleanup(() => other.drop());
    const file = writeNdjson(flow.dir, flow.topic, events);
    const run = await startInProcess({ config: flow.dir, databaseUrl: other.url, from: file, brokers: [] });
    await run.rt.done;
    const fromTable = JSON.parse((await listCommand(opts(flow, other.url, { limit: '100' }))).stdout) as ListJson;
    expect(fromTable.stores).toEqual(['table']);
    expect(fromTable.total).toBe(bad.length);
    expect(fromTable.letters.every((l) => l.store === 'table' && l.event_type === 'item.made' && l.attempts === 1)).toBe(true);
    // A --from run's offsets are line numbers: the letters are exactly the bad events' lines.
    expect(fromTable.letters.map((l) => l.offset).sort((a, b) => a - b)).toEqual(events.flatMap((e, i) => (e.kind === 'short' ? [] : [i])));
    const row = fromTable.letters[0] as ListJson['letters'][number];
    const shownRow = JSON.parse((await showCommand(row.id, opts(flow, other.url))).stdout) as { value: { json: { entity_id: string } }; key: { text: string } };
    expect(shownRow.key.text).toBe(shownRow.value.json.entity_id);
  });
});
