/** The registry wire format (issue 22): the header read, and bytes that are not it refused with why. */
import { describe, expect, it } from 'vitest';
import { unframe, unframeProtobuf } from './wire.js';

const framed = (id: number, ...body: number[]): Buffer => {
  const b = Buffer.alloc(5 + body.length);
  b.writeUInt32BE(id, 1);
  Buffer.from(body).copy(b, 5);
  return b;
};

describe('unframe', () => {
  it('reads the schema id and the body after the 5-byte header', () => {
    const f = unframe(framed(258, 7, 8));
    expect(f).toEqual({ schemaId: 258, body: Buffer.from([7, 8]) });
  });
  it('refuses what is not the wire format, saying why', () => {
    expect(unframe(Buffer.from('{"a":1}'))).toEqual({ error: 'not the schema registry wire format: the first byte is 0x7b, not the magic byte 0x00' });
    expect(unframe(Buffer.from([0, 0, 1]))).toEqual({ error: 'not the schema registry wire format: 3 byte(s), fewer than the 5-byte header' });
  });
});

describe('unframeProtobuf', () => {
  it('reads the message indexes: 0 stands for [0], others are zigzag varints', () => {
    expect(unframeProtobuf(framed(3, 0, 0x0a))).toEqual({ schemaId: 3, body: Buffer.from([0x0a]), indexes: [0] });
    // count 2 (zigzag 4), then 1 (2) and 0 (0)
    expect(unframeProtobuf(framed(3, 4, 2, 0, 0x0a))).toEqual({ schemaId: 3, body: Buffer.from([0x0a]), indexes: [1, 0] });
    // index 70: zigzag 140 = 0x8c 0x01
    expect(unframeProtobuf(framed(3, 2, 0x8c, 0x01))).toMatchObject({ indexes: [70], body: Buffer.alloc(0) });
  });
  it('refuses indexes that cannot be read', () => {
    expect(unframeProtobuf(framed(3))).toEqual({ error: 'not the Protobuf wire format: the message indexes cannot be read' });
    expect(unframeProtobuf(framed(3, 4, 2))).toEqual({ error: 'not the Protobuf wire format: the message indexes cannot be read' });
    expect(unframeProtobuf(framed(3, 3))).toEqual({ error: 'not the Protobuf wire format: the message indexes cannot be read' });
  });
});
