/**
 * The registry formats (Avro, Protobuf, JSON Schema): bytes in the Confluent
 * wire format (wire.ts) decoded with the reader of the schema id they carry. Decoding stays
 * synchronous and pure: the schemas a batch needs are fetched before it is decoded
 * (`SchemaSource.fetch`, runtime/registry/), and decoding only looks them up.
 */
import type { Decoded, KeyFormat } from './format.js';
import type { SchemaReader } from './schema-reader.js';
import { unframe } from './wire.js';

/**
 * A schema id's reader and its type as the registry names it (AVRO, PROTOBUF, JSON), or why there
 * is none (unknown to the registry, unusable): a dead letter's reason.
 */
export type SchemaLookup = { reader: SchemaReader; schemaType: string } | { reason: string };

/** Called while a fetch waits to retry (the Kafka session's heartbeat) and to end the wait on a stop. */
export interface FetchHooks {
  heartbeat?: () => Promise<void>;
  stopping?: () => boolean;
}

export interface SchemaSource {
  /** The id's schema as fetched; undefined when it has not been (fetch it first). */
  lookup(id: number): SchemaLookup | undefined;
  /** An answer worth asking again before the next batch (an id the registry did not know a while ago). */
  stale?(id: number): boolean;
  /**
   * Fetch the ids' schemas (and their references) and build their readers. An id the registry
   * does not know is an answer (looked up as a reason); a registry that does not answer is waited
   * out, retried with backoff, until it answers or the run stops (StoppedError).
   */
  fetch(ids: number[], hooks: FetchHooks): Promise<void>;
}

/** A registry format decodes eagerly: the bytes are the wire format or the message is a dead letter. */
export interface RegistryFormat extends KeyFormat {
  /** The schema id the bytes name, when they are the wire format (what to fetch before decoding). */
  schemaId(bytes: Buffer): number | undefined;
}

/**
 * `what`: "value" or "key", for the reasons; `name`, `schemaType`: the format and the registry's
 * type of its schemas (a record written with a schema of another type is a dead letter, never
 * read by the wrong decoder).
 */
export function registryFormat(source: SchemaSource, what: string, name: string, schemaType: string): RegistryFormat {
  return {
    eager: true,
    schemaId: (bytes) => (bytes.length >= 5 && bytes[0] === 0 ? bytes.readUInt32BE(1) : undefined),
    decode(bytes): Decoded {
      const frame = unframe(bytes);
      if ('error' in frame) return { reason: `${what} is ${frame.error}` };
      const schema = source.lookup(frame.schemaId);
      // The processor fetches every id of a batch before decoding it: a miss is a bug, not data.
      if (schema === undefined) throw new Error(`schema id ${frame.schemaId} was not fetched before the ${what} was decoded`);
      if ('reason' in schema) return { reason: `${what}: ${schema.reason}` };
      if (schema.schemaType !== schemaType) return { reason: `${what}: schema id ${frame.schemaId} is ${schemaTypeName(schema.schemaType)}, but formats.${what} is ${name}` };
      try {
        return { value: schema.reader.read(frame.body) };
      } catch (e) {
        return { reason: `${what} does not decode with schema id ${frame.schemaId}: ${e instanceof Error ? e.message : String(e)}` };
      }
    },
  };
}

/** A registry schema type as a reason names it ("an Avro schema"), with the registry's own word else. */
export function schemaTypeName(type: string): string {
  const known: Readonly<Record<string, string>> = { AVRO: 'an Avro schema', PROTOBUF: 'a Protobuf schema', JSON: 'a JSON Schema' };
  return known[type] ?? `a ${type} schema`;
}
