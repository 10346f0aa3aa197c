/**
 * `--kafka-config <client.properties>` (or KAFKA_CONFIG) and the KAFKA_<KEY> variables: how
 * `run`, `rebuild` and `status` reach a secured cluster. The keys and their variables are the
 * runtime's (runtime/sources/kafka/security/settings.ts); this file only picks the brokers.
 */
import { Option } from 'commander';
import { loadKafkaSecurity, type KafkaSecurity } from '../runtime/sources/kafka/security/load.js';
import { EXIT_USAGE, result, type CommandResult } from './io.js';

export const kafkaConfigOption = () =>
  new Option('--kafka-config <file>', 'Kafka client properties as Java clients take them (security.protocol, sasl.mechanism, sasl.jaas.config, ssl.ca.location, …); each key may also be a KAFKA_<KEY> variable, e.g. KAFKA_SASL_PASSWORD_FILE. Also the schema registry\'s keys as Confluent\'s serializers take them (schema.registry.url, basic.auth.credentials.source, …: see the README) when SCHEMA_REGISTRY_URL is not set')
    .env('KAFKA_CONFIG');

export interface KafkaConnection {
  /** --brokers (KAFKA_BROKERS), else the file's bootstrap.servers; undefined: neither. */
  brokers?: string[];
  security: KafkaSecurity;
}

/** The brokers and security of a command that talks to Kafka, or the usage error to return. */
export function kafkaConnection(o: { kafkaConfig?: string; brokers?: string }, env: NodeJS.ProcessEnv = process.env): KafkaConnection | { failure: CommandResult } {
  const loaded = loadKafkaSecurity({ configPath: o.kafkaConfig, env });
  if ('errors' in loaded) return { failure: result(EXIT_USAGE, '', loaded.errors.map((e) => `Kafka client configuration: ${e}\n`).join('')) };
  const given = o.brokers?.split(',').map((b) => b.trim()).filter(Boolean);
  const brokers = given !== undefined && given.length > 0 ? given : loaded.security.brokers;
  return { ...(brokers !== undefined ? { brokers } : {}), security: loaded.security };
}
