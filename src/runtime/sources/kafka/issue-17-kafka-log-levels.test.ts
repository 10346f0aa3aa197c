/**
 * Issue 17 item 6: on a fresh broker kafkajs logged "The group coordinator is not available" (the
 * first join, which it retries) at ERROR, and rebuild-live's "the live engine logs no error"
 * failed a brand-new machine. kafkajs' entries below are the shapes it writes (network/connection.js,
 * cluster/brokerPool.js, consumer/index.js); the ones it retries are warnings.
 */
import { logLevel, type LogEntry } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { kafkaEntryLevel, kafkaLogCreator } from './kafka-log.js';
import { createLogger } from '../../ops/log.js';

const base = { timestamp: '2026-12-07T07:00:00.000Z', logger: 'kafkajs' };
const entry = (namespace: string, level: logLevel, log: { message: string } & Record<string, unknown>): LogEntry =>
  ({ namespace, level, label: level === logLevel.ERROR ? 'ERROR' : 'WARN', log: { ...base, ...log } as LogEntry['log'] });

const response = (api: string, error: string) => entry('Connection', logLevel.ERROR, {
  message: `Response ${api}`, broker: '127.0.0.1:9092', clientId: 'sc-project', error, correlationId: 3, size: 55,
});

const RETRIED: Array<[string, LogEntry]> = [
  ['a fresh broker\'s first join', response('GroupCoordinator(key: 10, version: 2)', 'The group coordinator is not available')],
  ['the coordinator loading the offsets topic', response('JoinGroup(key: 11, version: 5)', 'The coordinator is loading and hence can\'t process requests for this group')],
  ['topic metadata not yet propagated', response('Metadata(key: 3, version: 6)', 'This server does not host this topic-partition')],
  ['a leader election', response('Produce(key: 0, version: 7)', 'There is no leader for this topic-partition as we are in the middle of a leadership election')],
  ['a seed broker it could not reach', entry('BrokerPool', logLevel.ERROR, { message: 'Failed to connect to seed broker, trying another broker from the list: Connection error: connect ECONNREFUSED 127.0.0.1:9092', retryCount: 0, retryTime: 300 })],
  ['a connection error', entry('Connection', logLevel.ERROR, { message: 'Connection error: connect ECONNREFUSED 127.0.0.1:9092', broker: '127.0.0.1:9092', clientId: 'sc-project', stack: 'Error: connect ECONNREFUSED\n    at TCPConnectWrap.afterConnect' })],
  ['a member the coordinator forgot (it rejoins)', entry('Runner', logLevel.ERROR, { message: 'The coordinator is not aware of this member, re-joining the group', groupId: 'g', memberId: 'm-1', error: 'The coordinator is not aware of this member' })],
  ['a consumer restarting after a retriable crash', entry('Consumer', logLevel.ERROR, { message: 'Restarting the consumer in 300ms', retryCount: 0, retryTime: 300, groupId: 'g' })],
];

const FAILED: Array<[string, LogEntry]> = [
  ['a crash', entry('Consumer', logLevel.ERROR, { message: 'Crash: KafkaJSNumberOfRetriesExceeded: The group coordinator is not available', groupId: 'g', retryCount: 10, stack: 'KafkaJSNumberOfRetriesExceeded\n    at …' })],
  ['an error response kafkajs does not retry', response('Produce(key: 0, version: 7)', 'The request included a message larger than the max message size the server will accept')],
  ['an authorization failure', response('JoinGroup(key: 11, version: 5)', 'Not authorized to access group')],
];

describe('kafkajs log entries: what the client retries is a warning (issue 17.6)', () => {
  it.each(RETRIED)('%s → warn', (_what, e) => {
    expect(kafkaEntryLevel(e.level, e.log)).toBe('warn');
  });

  it.each(FAILED)('%s → error', (_what, e) => {
    expect(kafkaEntryLevel(e.level, e.log)).toBe('error');
  });

  it('a rebalance is routine (info); a kafkajs warning stays a warning', () => {
    const r = response('Heartbeat(key: 12, version: 3)', 'The group is rebalancing, so a rejoin is needed');
    expect(kafkaEntryLevel(r.level, r.log)).toBe('info');
    expect(kafkaEntryLevel(logLevel.WARN, { message: 'Consumer group received unsubscribed topics' })).toBe('warn');
  });

  it('the log creator writes the line at that level, without the stack at info level', () => {
    const lines: string[] = [];
    const write = kafkaLogCreator(createLogger('json', (l) => lines.push(l), { level: 'info' }))();
    const [, coordinator] = RETRIED[0] ?? [];
    const [, connection] = RETRIED[5] ?? [];
    if (coordinator === undefined || connection === undefined) throw new Error('cases');
    write(coordinator);
    write(connection);
    const parsed = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(parsed.map((p) => [p.level, p.msg])).toEqual([
      ['warn', 'kafka: Response GroupCoordinator(key: 10, version: 2)'],
      ['warn', 'kafka: Connection error: connect ECONNREFUSED 127.0.0.1:9092'],
    ]);
    expect(parsed[0]).toMatchObject({ namespace: 'Connection', error: 'The group coordinator is not available', logger: 'kafkajs' });
    expect(parsed[1]?.stack).toBeUndefined();
  });
});
