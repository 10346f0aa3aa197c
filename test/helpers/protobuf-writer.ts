/**
 * Test support for the Protobuf reader: records written as a producer writes them (protobufjs's
 * encoder over the same .proto, field names as written), framed with the message indexes the
 * reader is handed (the data after the registry's 5-byte header).
 */
import protobuf from 'protobufjs';

/** Zigzag varint, as the wire format writes each message index. */
function zigzag(n: number): number[] {
  let z = n >= 0 ? n * 2 : -n * 2 - 1;
  const out: number[] = [];
  while (z >= 0x80) {
    out.push((z % 0x80) | 0x80);
    z = Math.floor(z / 0x80);
  }
  out.push(z);
  return out;
}

/** The message indexes as the wire format writes them: [0] as the single byte 0, else count then indexes. */
export function indexBytes(indexes: number[]): Buffer {
  if (indexes.length === 1 && indexes[0] === 0) return Buffer.from([0]);
  return Buffer.from([...zigzag(indexes.length), ...indexes.flatMap(zigzag)]);
}

/** A writer of `schema`'s messages (imports from `files`, then protobufjs's well-known types). */
export function protoWriter(schema: string, files: Record<string, string> = {}): (type: string, value: Record<string, unknown>, indexes?: number[]) => Buffer {
  const root = new protobuf.Root();
  const add = (text: string): void => {
    const parsed = protobuf.parse(text, root, { keepCase: true });
    for (const name of parsed.imports ?? []) {
      const ref = files[name];
      if (ref !== undefined) add(ref);
      else root.addJSON(protobuf.common.get(name)?.nested ?? {});
    }
  };
  add(schema);
  root.resolveAll();
  return (type, value, indexes = [0]) => {
    const t = root.lookupType(type);
    return Buffer.concat([indexBytes(indexes), Buffer.from(t.encode(t.fromObject(value)).finish())]);
  };
}
