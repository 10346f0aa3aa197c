/** Key and value formats by name: the types make a name without a format a build error. */
import type { KeyFormatName, ValueFormatName } from '../../../spec/types.js';
import type { KeyFormat } from './format.js';
import { jsonKey } from './json.js';
import { registryFormat, type RegistryFormat, type SchemaSource } from './registry-format.js';
import { stringKey } from './string.js';

/** The formats that need no schema registry. */
export const KEY_FORMATS: Record<Exclude<KeyFormatName, RegistryFormatName>, KeyFormat> = {
  string: stringKey,
  json: jsonKey,
};

/** Formats whose bytes are the registry's wire format (their schemas fetched by id). */
export type RegistryFormatName = Extract<KeyFormatName | ValueFormatName, 'avro' | 'protobuf' | 'json-schema'>;

/** Each registry format and the registry's `schemaType` of its schemas (Confluent's names). */
export const REGISTRY_FORMATS = { avro: 'AVRO', protobuf: 'PROTOBUF', 'json-schema': 'JSON' } as const satisfies Record<RegistryFormatName, string>;

/** The registry's schema types sc-project reads: each needs a reader (registry.ts READER_FACTORIES). */
export type SchemaTypeName = (typeof REGISTRY_FORMATS)[RegistryFormatName];

export function isRegistryFormat(name: string): name is RegistryFormatName {
  return name in REGISTRY_FORMATS;
}

/** `schemas`: where a registry format's readers come from (needed only when one is named). */
export function keyFormat(name: KeyFormatName, schemas: () => SchemaSource): KeyFormat | RegistryFormat {
  return isRegistryFormat(name) ? registryFormat(schemas(), 'key', name, REGISTRY_FORMATS[name]) : KEY_FORMATS[name];
}

/** undefined: JSON, which message.ts parses itself (its exact numbers and numeric id texts). */
export function valueFormat(name: ValueFormatName, schemas: () => SchemaSource): RegistryFormat | undefined {
  return isRegistryFormat(name) ? registryFormat(schemas(), 'value', name, REGISTRY_FORMATS[name]) : undefined;
}

export type { Decoded, KeyFormat } from './format.js';
export type { RegistryFormat, SchemaSource, SchemaLookup, FetchHooks } from './registry-format.js';
export { schemaTypeName } from './registry-format.js';
