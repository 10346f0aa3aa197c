/**
 * The schema registry a run reads registry formats with: one per process and registry URL, so
 * every group, reload and rebuild of a run shares one cache of readers (an id's schema never
 * changes) and one view of whether the registry answers.
 */
import type { Logger } from '../ops/log.js';
import { readText } from './files.js';
import { httpTransport } from './http.js';
import { registryEnv, type RegistryProperty } from './properties.js';
import { SchemaRegistry, type RegistryOutage } from './registry.js';
import { registrySettings } from './settings.js';

const OPEN = new Map<string, SchemaRegistry>();

/**
 * The registry SCHEMA_REGISTRY_URL names (settings.ts), else the Kafka properties file's
 * schema.registry.url (`properties`, properties.ts), or an Error saying what to set when none is
 * configured. Called only by groups whose formats need one.
 */
export function registryFromEnv(log: Logger, env: NodeJS.ProcessEnv = process.env, properties: readonly RegistryProperty[] = []): SchemaRegistry {
  const merged = registryEnv(properties, env);
  if ('errors' in merged) throw new Error(`schema registry settings: ${merged.errors.join('; ')}`);
  const s = registrySettings(merged.env, readText);
  if (s === undefined) throw new Error('a registry format (avro, protobuf, json-schema) needs a schema registry: set SCHEMA_REGISTRY_URL (or schema.registry.url in --kafka-config), or give the schemas as files (--schemas DIR)');
  const id = `${s.url} ${s.authorization ?? ''} ${s.ca ?? ''}`;
  let r = OPEN.get(id);
  if (r === undefined) {
    r = new SchemaRegistry({ transport: httpTransport(s), display: s.url, log });
    OPEN.set(id, r);
  }
  return r;
}

/** The first registry of this process that does not answer, if any (readiness). */
export function registryOutage(): RegistryOutage | undefined {
  for (const r of OPEN.values()) {
    const o = r.outage();
    if (o !== undefined) return o;
  }
  return undefined;
}

export { fileSchemas, schemasDir } from './files.js';
export type { RegistryProperty } from './properties.js';
export { SchemaRegistry, RegistryUnavailable, READER_FACTORIES, type RegistryOutage } from './registry.js';
