/**
 * A key format: how the bytes of a message key become the value `$key` reads. One file per
 * format and one line in `index.ts`; a registry format (Avro, Protobuf) is the same seam, its
 * schema fetched before the batch is decoded, so decoding itself stays synchronous and pure.
 */
export type Decoded = { value: unknown } | { reason: string };

export interface KeyFormat {
  /**
   * Decoded with the message, a key that does not decode being a dead letter (`json`). False:
   * decoded only when a path reads it (`string`: a binary key on a projection that never reads
   * it is no error, as `$source.key` always was).
   */
  eager: boolean;
  decode(key: Buffer): Decoded;
}
