import { describe, expect, it } from 'vitest';
import { envelopeDecoder, invalidUtf8Offset, isBad, type RawMessage } from './message.js';
import { lineToMessage } from '../sources/ndjson/reader.js';
import { rawJsonAt } from './json-text.js';

const envelope = { type: '$.event_type', id: '$.event_id', entity: '$.entity_id', version: '$.entity_version', time: '$.occurred_at', data: '$.data' };
const decode = envelopeDecoder(envelope);
const msg = (value: Buffer | string): RawMessage => ({ topic: 't', partition: 0, offset: 0, key: null, value: typeof value === 'string' ? Buffer.from(value, 'utf8') : value });
const idOf = (value: Buffer | string): string => {
  const d = decode(msg(value));
  if (isBad(d)) throw new Error(d.reason);
  if (d.id === undefined) throw new Error(d.noId ?? 'no id');
  return d.id;
};

describe('event ids (issue 12: numeric ids beyond 2^53, 77 vs "77")', () => {
  it('keeps numeric ids past 2^53 as their JSON text: two ids, not one', () => {
    expect(idOf('{"event_type":"x","event_id":9007199254740993}')).toBe('9007199254740993');
    expect(idOf('{"event_type":"x","event_id":9007199254740992}')).toBe('9007199254740992');
    expect(idOf('{"event_type":"x","event_id":123456789012345678901234567890}')).toBe('123456789012345678901234567890');
  });

  it('keeps fractions and exponents as written, and the last of duplicated keys', () => {
    expect(idOf('{"event_type":"x","event_id":0.10000000000000001}')).toBe('0.10000000000000001');
    expect(idOf('{"event_type":"x", "event_id" : 1e400 }')).toBe('1e400');
    expect(idOf('{"event_id":1,"event_type":"x","n":{"event_id":2},"event_id":-90071992547409931}')).toBe('-90071992547409931');
    expect(idOf('{"event_type":"x","meta":"\\"event_id\\":5","e\\u0076ent_id":9007199254740993}')).toBe('9007199254740993');
  });

  it('reads nested id paths from the text', () => {
    const d = envelopeDecoder({ ...envelope, id: '$.meta.ids[1]' })(msg('{"event_type":"x","meta":{"ids":[1, 9007199254740993, 3]}}'));
    expect(isBad(d) ? d.reason : d.id).toBe('9007199254740993');
  });

  it('treats the number 77 and the string "77" as one id (an id is its text)', () => {
    expect(idOf('{"event_type":"x","event_id":77}')).toBe('77');
    expect(idOf('{"event_type":"x","event_id":"77"}')).toBe('77');
  });

  it('keeps big numeric ids exact through an NDJSON line (--from)', () => {
    const line = JSON.stringify({ topic: 't', key: 'k' }).slice(0, -1) + ',"value":{"event_type":"x","event_id":9007199254740993}}';
    const m = lineToMessage(line, 0);
    expect(idOf(m.value as Buffer)).toBe('9007199254740993');
  });
});

describe('invalid UTF-8 (issue 12: silently replaced by U+FFFD)', () => {
  it('dead-letters a value with invalid bytes, naming the offset', () => {
    const bytes = Buffer.concat([Buffer.from('{"event_type":"x","event_id":"e1","data":"a'), Buffer.from([0xff]), Buffer.from('"}')]);
    const d = decode(msg(bytes));
    expect(isBad(d) && d.reason).toBe('value is not valid UTF-8 (first invalid byte at offset 43)');
  });

  it('finds overlongs, surrogates, truncated and out-of-range sequences', () => {
    expect(invalidUtf8Offset(Buffer.from('ok é 😀'))).toBe(Buffer.byteLength('ok é 😀'));
    expect(invalidUtf8Offset(Buffer.from([0x61, 0xc0, 0xaf]))).toBe(1);
    expect(invalidUtf8Offset(Buffer.from([0xed, 0xa0, 0x80]))).toBe(0);
    expect(invalidUtf8Offset(Buffer.from([0x61, 0xe2, 0x82]))).toBe(1);
    expect(invalidUtf8Offset(Buffer.from([0xf4, 0x90, 0x80, 0x80]))).toBe(0);
    expect(invalidUtf8Offset(Buffer.from([0xe0, 0x80, 0x80]))).toBe(0);
  });

  it('dead-letters an id with a lone surrogate (it would be stored as U+FFFD, two ids as one)', () => {
    const d = decode(msg('{"event_type":"x","event_id":"e\\ud800"}'));
    expect(isBad(d) && d.reason).toBe('event id at $.event_id holds a lone UTF-16 surrogate, which has no UTF-8 form');
  });

  it('accepts valid 4-byte characters', () => {
    expect(idOf('{"event_type":"x","event_id":"😀"}')).toBe('😀');
  });
});

describe('rawJsonAt', () => {
  it('returns undefined for paths that lead nowhere', () => {
    expect(rawJsonAt('{"a":[1,2]}', ['a', 5])).toBeUndefined();
    expect(rawJsonAt('{"a":[1,2]}', ['b'])).toBeUndefined();
    expect(rawJsonAt('{"a":1}', [0])).toBeUndefined();
    expect(rawJsonAt(' {"a": {"b" :[ "x]" , {"c":12345678901234567890} ]} }', ['a', 'b', 1, 'c'])).toBe('12345678901234567890');
  });
});
