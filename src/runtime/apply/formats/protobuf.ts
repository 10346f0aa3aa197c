/**
 * The Protobuf reader of the schema registry's records (issue 22). The schema is the .proto text
 * the registry stores; its imports are resolved from the references the registry gives (import
 * path → .proto text) and, for Google's well-known types (google/protobuf/timestamp.proto, …), from
 * the copies protobufjs carries. Field names stay as written (`keepCase`: protobufjs would
 * camelCase `item_id` to `itemId`, and a spec's path would find nothing). The message a record
 * holds is chosen by the wire format's message indexes: a path into the file's top-level messages,
 * then their nested messages, as declared. Values: see protobuf-values.ts.
 * Decoding is protobufjs's generated code (https://github.com/protobufjs/protobuf.js).
 */
import { isUtf8 } from 'node:buffer';
import protobuf from 'protobufjs';
import type { ReaderFactory, SchemaReader } from './schema-reader.js';
import { messageConverter } from './protobuf-values.js';
import { messageIndexes } from './wire.js';

const PARSE: protobuf.IParseOptions = { keepCase: true };

export const protobufReader: ReaderFactory = (schema, references) => {
  const root = new protobuf.Root();
  const main = parseInto(root, schema, 'the schema');
  // The file's own top-level messages, before the imports add theirs to a shared package.
  const ns = main.package === undefined ? root : root.lookup(main.package);
  const topLevel = ns instanceof protobuf.Namespace ? messagesOf(ns) : [];
  importAll(root, main.imports ?? [], references, new Set());
  importAll(root, main.weakImports ?? [], references, new Set());
  try {
    root.resolveAll();
  } catch (e) {
    throw new Error(`the Protobuf schema cannot be used: ${reason(e)}`);
  }
  const convert = messageConverter(root);
  const byPath = new Map<string | number, { type: protobuf.Type; convert: (v: unknown) => unknown }>();
  const messageAt = (indexes: number[]): { type: protobuf.Type; convert: (v: unknown) => unknown } => {
    const key = indexes.length === 1 ? indexes[0] ?? 0 : indexes.join('.');
    const known = byPath.get(key);
    if (known !== undefined) return known;
    let list = topLevel;
    let type: protobuf.Type | undefined;
    for (const i of indexes) {
      type = list[i];
      if (type === undefined) throw new Error(`the message indexes [${indexes.join(', ')}] point at no message of the schema`);
      list = messagesOf(type);
    }
    if (type === undefined) throw new Error('the message indexes are empty');
    const found = { type, convert: convert(type) };
    byPath.set(key, found);
    return found;
  };
  const reader: SchemaReader = {
    read(data) {
      const framed = messageIndexes(data);
      if ('error' in framed) throw new Error(framed.error);
      const { type, convert: c } = messageAt(framed.indexes);
      let message: protobuf.Message;
      try {
        message = type.decode(new CheckedReader(framed.body));
      } catch (e) {
        throw new Error(`not a Protobuf ${type.name}: ${reason(e)}`);
      }
      return c(message);
    },
  };
  return reader;
};

/**
 * protobufjs's Buffer reader cuts a string that runs past the end of the data to what is there
 * (reader_buffer.js: Math.min), so a truncated record would read as a shorter one. This reader
 * refuses it, as the array reader does for bytes, and refuses a string that is not UTF-8, as
 * proto3 requires (Java's parser refuses it; a replacement character would be text the producer
 * never sent).
 */
class CheckedReader extends protobuf.BufferReader {
  override string(): string {
    const length = this.uint32();
    const start = this.pos;
    const end = start + length;
    if (end > this.len) throw new RangeError(`index out of range: ${start} + ${length} > ${this.len}`);
    const buf = this.buf as Buffer;
    const text = buf.toString('utf8', start, end);
    // Invalid bytes decode to U+FFFD: only a string holding one is checked (one may be real).
    if (text.includes('\uFFFD') && !isUtf8(buf.subarray(start, end))) throw new Error(`a string field at offset ${start} is not valid UTF-8`);
    this.pos = end;
    return text;
  }
}

/** Messages declared directly in a namespace or message, in the sequence written (enums and services aside). */
function messagesOf(ns: protobuf.Namespace): protobuf.Type[] {
  return ns.nestedArray.filter((x): x is protobuf.Type => x instanceof protobuf.Type);
}

function parseInto(root: protobuf.Root, text: string, what: string): protobuf.IParserResult {
  try {
    return protobuf.parse(text, root, PARSE);
  } catch (e) {
    throw new Error(`${what} is not a Protobuf schema: ${reason(e)}`);
  }
}

/** Each import once, from the references first (a registry's own copy wins), else a well-known type. */
function importAll(root: protobuf.Root, names: string[], references: ReadonlyMap<string, string>, done: Set<string>): void {
  for (const name of names) {
    if (done.has(name)) continue;
    done.add(name);
    const text = references.get(name);
    if (text !== undefined) {
      const parsed = parseInto(root, text, `the reference ${name}`);
      importAll(root, [...(parsed.imports ?? []), ...(parsed.weakImports ?? [])], references, done);
      continue;
    }
    const builtIn = protobuf.common.get(name);
    if (builtIn === null) throw new Error(`the Protobuf schema imports ${name}, which is not among its references`);
    root.addJSON(builtIn.nested ?? {});
  }
}

function reason(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
