/**
 * Issue 22, NDJSON bytes: `key_b64` / `value_b64`, `headers` (text, {"b64"}, a list for a repeated
 * name) and `value: null` (a tombstone) become the record Kafka would have carried; a line that
 * gets them wrong is a dead letter with the reason, never other bytes.
 */
import { describe, expect, it } from 'vitest';
import { lineToMessage } from './line.js';

const line = (o: Record<string, unknown>) => lineToMessage(JSON.stringify({ topic: 't', ...o }), 0);

describe('issue 22: bytes in NDJSON lines', () => {
  it('reads key_b64 and value_b64 as the bytes they encode', () => {
    const m = line({ key_b64: Buffer.from([0, 0xff]).toString('base64'), value_b64: Buffer.from([0, 0, 0, 0, 1, 0x02]).toString('base64') });
    expect(m.invalid).toBeUndefined();
    expect(m.key).toEqual(Buffer.from([0, 0xff]));
    expect(m.value).toEqual(Buffer.from([0, 0, 0, 0, 1, 2]));
  });

  it('reads headers as text (UTF-8 bytes), {"b64"} bytes and lists for a repeated name, in sequence', () => {
    const m = line({ value: {}, headers: { trace: 'tö', bin: { b64: '/wA=' }, hop: ['a', { b64: 'Yg==' }] } });
    expect(m.headers).toEqual([['trace', Buffer.from('tö')], ['bin', Buffer.from([0xff, 0])], ['hop', Buffer.from('a')], ['hop', Buffer.from('b')]]);
    expect(line({ value: {} }).headers).toBeUndefined();
  });

  it('makes value: null (or no value) a tombstone, with its key', () => {
    expect(line({ key: 'k', value: null })).toMatchObject({ key: Buffer.from('k'), value: null });
    expect(line({ key: 'k' }).value).toBeNull();
  });

  it('refuses bad base64, two value forms, key with key_b64 and malformed headers, with the reason', () => {
    expect(line({ value_b64: 'not base64!' }).invalid).toBe('line 1: value_b64 is not base64 text');
    expect(line({ key_b64: 'abc' }).invalid).toBe('line 1: key_b64 is not base64 text');
    expect(line({ value: {}, value_b64: 'AA==' }).invalid).toBe('line 1: line gives more than one of value, value_raw and value_b64');
    expect(line({ key: 'k', key_b64: 'AA==' }).invalid).toBe('line 1: line gives both key and key_b64');
    expect(line({ value: {}, headers: ['x'] }).invalid).toBe('line 1: headers is not an object of name: value');
    expect(line({ value: {}, headers: { n: 1 } }).invalid).toBe('line 1: header n is not text, {"b64": "…"} or a list of those');
    expect(line({ value: {}, headers: { n: { b64: '%%' } } }).invalid).toBe("line 1: header n's b64 is not base64 text");
  });
});
