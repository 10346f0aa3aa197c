/**
 * Issue 18 items 7, 8 and 9 on the logger: control characters are escaped in every text field
 * (an event type holding ESC[2J ESC[1;31m… cleared the terminal and printed fake red text; only
 * the reason, which has spaces, was escaped), a URL's userinfo is never printed, and a stack is
 * printed only at debug level.
 */
import { describe, expect, it } from 'vitest';
import { createLogger, type LogFormat, type LogLevel } from './log.js';

function lines(format: LogFormat, level: LogLevel = 'info') {
  const out: string[] = [];
  return { out, log: createLogger(format, (l) => out.push(l), { level }) };
}

const HOSTILE = '\u001b[2J\u001b[1;31mFATAL:database-wiped\u001b[0m';
// eslint-disable-next-line no-control-regex
const RAW_CONTROL = /[\u0000-\u001f\u007f-\u009f\u202e]/;

describe('text logs escape control characters in every field (issue 18.9)', () => {
  it('escapes an event type with terminal escapes, with or without spaces, in fields and in the message', () => {
    const { out, log } = lines('text');
    log.warn('dead-lettered', { event_type: HOSTILE, reason: `no projection handles event type ${HOSTILE}`, key: 'a\u009b2Jb', name: 'abc\u202etxt.exe', n: 3, nested: { t: '\u0085x\u009b' } });
    log.error(`kafka: ${HOSTILE}`);
    for (const l of out) expect(l).not.toMatch(RAW_CONTROL);
    expect(out[0]).toContain('event_type="\\u001b[2J\\u001b[1;31mFATAL:database-wiped\\u001b[0m"');
    expect(out[0]).toContain('key="a\\u009b2Jb"');
    expect(out[0]).toContain('name="abc\\u202etxt.exe"');
    expect(out[0]).toContain('n=3');
    expect(out[0]).toContain('nested={"t":"\\u0085x\\u009b"}');
    expect(out[1]).toContain('kafka: \\u001b[2J');
  });

  it('keeps plain words bare, as before', () => {
    const { out, log } = lines('text');
    log.info('stats', { group: 'g-1', events: 10, empty: '' });
    expect(out[0]).toMatch(/ info  stats group=g-1 events=10 empty=$/);
  });

  it('JSON lines stay valid JSON and carry no raw C1 or bidirectional control', () => {
    const { out, log } = lines('json');
    log.warn('dead-lettered', { event_type: `${HOSTILE}\u009b\u202e` });
    expect(out[0]).not.toMatch(RAW_CONTROL);
    expect((JSON.parse(out[0] ?? '') as { event_type: string }).event_type).toBe(`${HOSTILE}\u009b\u202e`);
  });

  it('cuts a huge field (a 1 MB event type is not a 1 MB line)', () => {
    const { out, log } = lines('text');
    log.warn('dead-lettered', { event_type: 'x'.repeat(1_000_000) });
    expect(out[0]?.length).toBeLessThan(5000);
    expect(out[0]).toContain('… [cut: 1000000 chars]');
  });
});

describe('logs never print a URL userinfo (issue 18.7)', () => {
  it('redacts the userinfo of every URL in the message and the fields, text and JSON', () => {
    for (const format of ['text', 'json'] as const) {
      const { out, log } = lines(format);
      log.warn('HTTP batch failed, retrying', { error: 'Request cannot be constructed from a URL that includes credentials: http://user:secret@host:8081/api', url: 'https://u:p%40ss@h/x', db: 'mysql://sc:pw@127.0.0.1:3306/db' });
      log.error('cannot reach http://admin:hunter2@10.0.0.1/');
      const all = out.join('\n');
      for (const secret of ['secret', 'p%40ss', 'pw@', 'hunter2', 'user:', 'admin']) expect(all).not.toContain(secret);
      expect(all).toContain('http://***@host:8081/api');
      expect(all).toContain('mysql://***@127.0.0.1:3306/db');
    }
  });
});

describe('stack traces only at debug level (issue 18.8)', () => {
  it('leaves a stack field out at info and keeps it at debug', () => {
    const info = lines('text');
    info.log.error('kafka: Connection error', { error: 'ECONNREFUSED', stack: 'Error: x\n    at f (file.js:1:1)' });
    expect(info.out[0]).not.toContain('stack');
    expect(info.out[0]).toContain('error=ECONNREFUSED');
    const debug = lines('text', 'debug');
    debug.log.error('kafka: Connection error', { error: 'ECONNREFUSED', stack: 'Error: x\n    at f (file.js:1:1)' });
    expect(debug.out[0]).toContain('stack="Error: x\\n    at f (file.js:1:1)"');
  });
});
