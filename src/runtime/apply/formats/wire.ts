/**
 * The Confluent wire format of a schema-registry value or key
 * (https://docs.confluent.io/platform/current/schema-registry/fundamentals/serdes-develop/index.html#wire-format):
 * a zero magic byte, the schema id as a 4-byte big-endian integer, then the encoded data. For
 * Protobuf the data starts with the message indexes: a zigzag varint count, then that many zigzag
 * varint indexes into the schema's nested messages; a count of 0 stands for [0], the first message.
 * Pure; a frame that is not the wire format is an error saying why (a dead letter, never a guess).
 */

export interface Frame {
  schemaId: number;
  /** The encoded data after the header (and, for Protobuf, after the message indexes). */
  body: Buffer;
}

export interface ProtobufFrame extends Frame {
  /** The path of the message type among the schema's messages, e.g. [0], [1, 0]. */
  indexes: number[];
}

const MAGIC = 0;
const HEADER = 5;
/** More indexes than any real schema nests: a count beyond it is garbage, not a path. */
const MAX_INDEXES = 64;

export function unframe(bytes: Buffer): Frame | { error: string } {
  if (bytes.length < HEADER) return { error: `not the schema registry wire format: ${bytes.length} byte(s), fewer than the 5-byte header` };
  if (bytes[0] !== MAGIC) return { error: `not the schema registry wire format: the first byte is 0x${(bytes[0] ?? 0).toString(16).padStart(2, '0')}, not the magic byte 0x00` };
  return { schemaId: bytes.readUInt32BE(1), body: bytes.subarray(HEADER) };
}

export function unframeProtobuf(bytes: Buffer): ProtobufFrame | { error: string } {
  const frame = unframe(bytes);
  if ('error' in frame) return frame;
  const read = messageIndexes(frame.body);
  if ('error' in read) return read;
  return { schemaId: frame.schemaId, body: read.body, indexes: read.indexes };
}

/**
 * The message indexes at the start of a Protobuf record's data (the bytes after the 5-byte
 * header) and the encoded message after them: what a Protobuf `SchemaReader` is handed.
 */
export function messageIndexes(data: Buffer): { indexes: number[]; body: Buffer } | { error: string } {
  // Most records hold the schema's first message: the single byte 0.
  if (data[0] === 0) return { body: data.subarray(1), indexes: [0] };
  let at = 0;
  const next = (): number | undefined => {
    const r = readZigzagVarint(data, at);
    if (r === undefined) return undefined;
    at = r.next;
    return r.value;
  };
  const count = next();
  if (count === undefined || count < 0 || count > MAX_INDEXES) return { error: 'not the Protobuf wire format: the message indexes cannot be read' };
  const indexes: number[] = [];
  for (let i = 0; i < count; i++) {
    const v = next();
    if (v === undefined || v < 0) return { error: 'not the Protobuf wire format: the message indexes cannot be read' };
    indexes.push(v);
  }
  return { body: data.subarray(at), indexes: count === 0 ? [0] : indexes };
}

/** A zigzag-encoded varint (as Protobuf's sint32) at `at`, or undefined past the end or beyond 32 bits. */
function readZigzagVarint(b: Buffer, at: number): { value: number; next: number } | undefined {
  let raw = 0;
  for (let shift = 0, i = at; shift < 35; shift += 7, i++) {
    const byte = b[i];
    if (byte === undefined) return undefined;
    raw += (byte & 0x7f) * 2 ** shift;
    if ((byte & 0x80) === 0) {
      const value = raw % 2 === 0 ? raw / 2 : -(raw + 1) / 2;
      return { value, next: i + 1 };
    }
  }
  return undefined;
}
