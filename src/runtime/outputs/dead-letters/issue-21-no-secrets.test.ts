/**
 * Issue 21: secrets never leave in a dead letter's headers or row, nor in a /metrics label. A
 * reason may quote a driver's message or the input, and an event type is the input's own text:
 * a URL's password and a configured secret (hideSecret: a Kafka password read from a file) are
 * printed as `***` there too, as in every log line.
 */
import { describe, expect, it } from 'vitest';
import { parsePrometheus } from '../../../../test/helpers/prometheus.js';
import { hideSecret } from '../../../redact.js';
import { EngineMetrics, METRIC_NAMES } from '../../ops/metrics.js';
import { newStats } from '../../ops/stats.js';
import type { DeadLetter } from './sink.js';
import { deadLetterRow } from './table.js';
import { deadLetterHeaders } from './topic.js';

const SECRET = 'k4fka-s3cret-from-a-file';
hideSecret(SECRET);

const letter: DeadLetter = {
  msg: { topic: 't', partition: 0, offset: 3, key: null, value: Buffer.from('{}') },
  group: 'g', projection: 'p', eventType: `evt ${SECRET}`,
  reason: `cannot reach https://hook:hunter22@api.example/in; sasl password ${SECRET}`,
};

describe('no secret in a dead letter or a metric label', () => {
  it('redacts the reason and event type headers of a .dlq letter', () => {
    const h = deadLetterHeaders(letter);
    expect(h['sc-reason']).toBe('cannot reach https://***@api.example/in; sasl password ***');
    expect(h['sc-event-type']).toBe('evt ***');
    expect(JSON.stringify(h)).not.toMatch(/hunter22|s3cret/);
  });

  it('redacts the reason of a sc_dead_letters row', () => {
    expect(deadLetterRow(letter).reason).toBe('evt ***: cannot reach https://***@api.example/in; sasl password ***');
  });

  it('redacts a skipped event type in the messages metric', async () => {
    const m = new EngineMetrics({ defaultMetrics: false });
    const stats = { ...newStats(), events: 1, skippedUnhandled: 1 };
    stats.skippedTypes.set(`postgres://app:pw1234@db/x ${SECRET}`, 1);
    m.bind({ groups: () => [{ group: 'g', stats }], lag: () => [], databaseDownSince: () => undefined, ready: () => true, outputs: () => ({}) });
    const body = (await m.scrape()).body;
    expect(body).not.toMatch(/pw1234|s3cret/);
    expect(parsePrometheus(body).sum(METRIC_NAMES.messages, { outcome: 'skipped', event_type: 'postgres://***@db/x ***' })).toBe(1);
  });
});
