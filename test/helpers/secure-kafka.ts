/**
 * The local broker's secured listeners (scripts/services.sh: SASL_SSL with a SCRAM-SHA-512 user,
 * and SSL, both with the run dir's test CA). As for every service: in CI a missing variable fails
 * the suite; elsewhere it is skipped with a note.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CI } from './services.js';

const NAMES = ['KAFKA_BROKERS', 'KAFKA_SASL_SSL_BROKERS', 'KAFKA_SSL_BROKERS', 'KAFKA_OAUTH_BROKERS', 'KAFKA_CA_FILE', 'KAFKA_SCRAM_USERNAME', 'KAFKA_SCRAM_PASSWORD_FILE'] as const;

export const SECURE = Object.fromEntries(NAMES.map((n) => [n, process.env[n] ?? ''])) as Record<(typeof NAMES)[number], string>;

export function skipWithoutSecureKafka(): boolean {
  const missing = NAMES.filter((n) => !process.env[n]);
  if (missing.length === 0) return false;
  if (CI) throw new Error(`${missing.join(', ')} not set: CI must run the integration tests against real services (scripts/services.sh up)`);
  return true;
}

/** A client.properties file of these entries, in this order; returns its path. */
export function writeProperties(dir: string, name: string, entries: Record<string, string>): string {
  const path = join(dir, name);
  writeFileSync(path, Object.entries(entries).map(([k, v]) => `${k}=${v}`).join('\n') + '\n');
  return path;
}

/** The SASL_SSL listener's settings: the password by reference to its file, as users are told to. */
export function saslSslEntries(): Record<string, string> {
  return {
    'security.protocol': 'SASL_SSL',
    'sasl.mechanism': 'SCRAM-SHA-512',
    'sasl.username': SECURE.KAFKA_SCRAM_USERNAME,
    'sasl.password': `\${file:${SECURE.KAFKA_SCRAM_PASSWORD_FILE}}`,
    'ssl.ca.location': SECURE.KAFKA_CA_FILE,
  };
}
