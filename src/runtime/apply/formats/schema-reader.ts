/**
 * The seam between the schema registry and a schema type's decoder (Avro, Protobuf, JSON Schema):
 * the registry client fetches a schema by id (with its references, transitively) before a batch
 * is decoded, builds its reader once with the type's factory and caches it by id, so decoding a
 * message stays synchronous and pure. One factory per schema type, one line in the registry's table.
 */
export interface SchemaReader {
  /**
   * The value of one record's data (the bytes after the wire format's 5-byte header; for Protobuf
   * starting at the message indexes), looking like the same event's JSON to paths. Throws an Error
   * whose message is the reason the bytes do not decode (a dead letter's reason).
   */
  read(data: Buffer): unknown;
}

/**
 * `schema`: the schema's text as the registry gives it (Avro JSON, .proto text, JSON Schema);
 * `references`: every schema it references, by the name it is imported or referred to by (Avro: the
 * full name of the named type; Protobuf: the import path, e.g. "other.proto"), transitively. Throws
 * when the schema cannot be used (the reason names what is wrong).
 */
export type ReaderFactory = (schema: string, references: ReadonlyMap<string, string>) => SchemaReader;
