/**
 * Settings (settings.ts) → what every kafkajs client of the process is given: `ssl` (node's TLS
 * options) and `sasl`, plus a one-line description for the start-up log without any secret.
 *
 * As in the Java client: PLAINTEXT by default; hostname verification on unless
 * ssl.endpoint.identification.algorithm is empty (https://kafka.apache.org/documentation/#producerconfigs_ssl.endpoint.identification.algorithm);
 * without ssl.ca.location the system's CAs are trusted (managed clusters use public CAs).
 * A setting the chosen protocol would ignore is an error: `sasl.mechanism` with SSL means the
 * protocol line is missing or wrong, and connecting without the credentials would hide it.
 */
import type { RegistryProperty } from '../../../registry/properties.js';
import type { ConnectionOptions } from 'node:tls';
import { parseJaas } from './jaas.js';
import { describeTokenSource, tokenProvider, type TokenDeps, type TokenSource } from './oauth.js';
import type { KafkaConfigKey, Settings } from './settings.js';

export const SECURITY_PROTOCOLS = ['PLAINTEXT', 'SSL', 'SASL_PLAINTEXT', 'SASL_SSL'] as const;
export type SecurityProtocol = (typeof SECURITY_PROTOCOLS)[number];
export const SASL_MECHANISMS = ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512', 'OAUTHBEARER'] as const;
export type SaslMechanism = (typeof SASL_MECHANISMS)[number];

interface Credentials {
  username: string;
  password: string;
}
/** kafkajs' SASLOptions for the mechanisms it implements (one member each, as its typings want). */
export type KafkaSasl = (Credentials & { mechanism: 'plain' }) | (Credentials & { mechanism: 'scram-sha-256' }) | (Credentials & { mechanism: 'scram-sha-512' })
  | { mechanism: 'oauthbearer'; oauthBearerProvider: () => Promise<{ value: string }> };

/** Who a SASL login is, for the start-up line and errors: a name, or where its token comes from. */
export function saslWho(sasl: KafkaSasl): string {
  return 'username' in sasl ? `as ${sasl.username}` : 'with a token';
}

/** The OAUTHBEARER token's keys (sc-project's own: the Java client needs a login callback class for this). */
const TOKEN_KEYS = { file: 'sasl.oauthbearer.token.location', command: 'sasl.oauthbearer.token.command' } as const;

/** What the clients need beyond a client id; the empty value is PLAINTEXT. */
export interface KafkaSecurity {
  protocol: SecurityProtocol;
  ssl?: ConnectionOptions;
  sasl?: KafkaSasl;
  /** bootstrap.servers of the properties file (--brokers and KAFKA_BROKERS come first). */
  brokers?: string[];
  /** e.g. `SASL_SSL, SCRAM-SHA-512 as alice, CA ./ca.pem`: safe to log. */
  description: string;
  /** The values never to print (passwords, the key's passphrase). */
  secrets: string[];
  /** The file's schema registry keys (schema.registry.url, …), for registry/properties.ts: not Kafka's. */
  registry?: readonly RegistryProperty[];
}

export const PLAINTEXT: KafkaSecurity = { protocol: 'PLAINTEXT', description: 'PLAINTEXT', secrets: [] };

const PEM_CERT = /-----BEGIN CERTIFICATE-----/;
const PEM_KEY = /-----BEGIN [A-Z ]*PRIVATE KEY-----/;

/** `tokens`: how OAUTHBEARER tokens are read (load.ts gives the real file reader and shell); without it OAUTHBEARER is refused. */
export function securityFrom(s: Settings, readFile: (path: string) => string, tokens?: TokenDeps): { security?: KafkaSecurity; errors: string[] } {
  const errors: string[] = [];
  const at = (k: KafkaConfigKey): string => s.get(k)?.where ?? k;
  const given = (k: KafkaConfigKey): string | undefined => s.get(k)?.value;
  const rawProtocol = given('security.protocol') ?? 'PLAINTEXT';
  const protocol = SECURITY_PROTOCOLS.find((p) => p === rawProtocol.toUpperCase());
  if (protocol === undefined) return { errors: [`${at('security.protocol')}: security.protocol must be one of ${SECURITY_PROTOCOLS.join(', ')}, got ${JSON.stringify(rawProtocol)}`] };
  const usesSasl = protocol.startsWith('SASL_');
  const usesTls = protocol.endsWith('SSL');
  for (const k of s.keys()) {
    if (k.startsWith('sasl.') && !usesSasl) errors.push(`${at(k)}: ${k} is set but security.protocol is ${protocol}: use SASL_SSL or SASL_PLAINTEXT, or remove it`);
    if (k.startsWith('ssl.') && !usesTls) errors.push(`${at(k)}: ${k} is set but security.protocol is ${protocol}: use SSL or SASL_SSL, or remove it`);
  }
  const brokers = given('bootstrap.servers')?.split(',').map((b) => b.trim()).filter(Boolean);
  const sasl = usesSasl ? saslOf(s, at, errors, tokens) : undefined;
  const tls = usesTls ? tlsOf(s, at, readFile, errors) : undefined;
  if (errors.length > 0) return { errors };
  const token = tokenSourceOf(s);
  const who = sasl === undefined ? undefined : sasl.mechanism === 'oauthbearer' && token !== undefined ? describeTokenSource(token) : saslWho(sasl);
  const description = [protocol, sasl !== undefined ? `${sasl.mechanism.toUpperCase()} ${who}` : undefined, tls?.describe].filter(Boolean).join(', ');
  const secrets = [sasl !== undefined && 'password' in sasl ? sasl.password : undefined, given('ssl.key.password')].filter((x): x is string => x !== undefined && x !== '');
  return { security: { protocol, ...(tls !== undefined ? { ssl: tls.options } : {}), ...(sasl !== undefined ? { sasl } : {}), ...(brokers !== undefined ? { brokers } : {}), description, secrets }, errors };
}

function tokenSourceOf(s: Settings): TokenSource | undefined {
  const file = s.get(TOKEN_KEYS.file);
  if (file !== undefined) return { kind: 'file', value: file.value, where: file.where };
  const command = s.get(TOKEN_KEYS.command);
  return command === undefined ? undefined : { kind: 'command', value: command.value, where: command.where };
}

/** OAUTHBEARER: a token from exactly one of a file and a command; no JAAS line or password goes with it. */
function oauthOf(s: Settings, at: (k: KafkaConfigKey) => string, errors: string[], tokens: TokenDeps | undefined): KafkaSasl | undefined {
  for (const k of ['sasl.jaas.config', 'sasl.username', 'sasl.password'] as const) {
    if (s.has(k)) { errors.push(`${at(k)}: ${k} is not used with OAUTHBEARER: give ${TOKEN_KEYS.file} or ${TOKEN_KEYS.command}`); return undefined; }
  }
  if (s.has(TOKEN_KEYS.file) && s.has(TOKEN_KEYS.command)) { errors.push(`${at(TOKEN_KEYS.command)}: give ${TOKEN_KEYS.file} or ${TOKEN_KEYS.command}, not both`); return undefined; }
  const src = tokenSourceOf(s);
  if (src === undefined) { errors.push(`OAUTHBEARER needs a token: ${TOKEN_KEYS.file} (a file kept fresh) or ${TOKEN_KEYS.command} (a command that prints one)`); return undefined; }
  if (tokens === undefined) { errors.push('OAUTHBEARER tokens cannot be read here'); return undefined; }
  return { mechanism: 'oauthbearer', oauthBearerProvider: tokenProvider(src, tokens) };
}

function saslOf(s: Settings, at: (k: KafkaConfigKey) => string, errors: string[], tokens: TokenDeps | undefined): KafkaSasl | undefined {
  const raw = s.get('sasl.mechanism')?.value;
  if (raw === undefined) { errors.push(`sasl.mechanism is required with SASL: one of ${SASL_MECHANISMS.join(', ')}`); return undefined; }
  const mechanism = SASL_MECHANISMS.find((m) => m === raw.toUpperCase());
  if (mechanism === undefined) { errors.push(`${at('sasl.mechanism')}: sasl.mechanism ${JSON.stringify(raw)} is not supported: use one of ${SASL_MECHANISMS.join(', ')}`); return undefined; }
  if (mechanism === 'OAUTHBEARER') return oauthOf(s, at, errors, tokens);
  for (const k of Object.values(TOKEN_KEYS)) if (s.has(k)) errors.push(`${at(k)}: ${k} is set but sasl.mechanism is ${mechanism}: it goes with OAUTHBEARER`);
  const jaas = s.get('sasl.jaas.config');
  const username = s.get('sasl.username');
  const password = s.get('sasl.password');
  if (jaas !== undefined && (username !== undefined || password !== undefined)) { errors.push(`${jaas.where}: give sasl.jaas.config or sasl.username/sasl.password, not both`); return undefined; }
  const kafkajs = mechanism.toLowerCase() as Exclude<KafkaSasl['mechanism'], 'oauthbearer'>;
  if (jaas !== undefined) {
    const login = parseJaas(jaas.value);
    if ('error' in login) { errors.push(`${jaas.where}: sasl.jaas.config ${login.error}`); return undefined; }
    if (!mechanism.startsWith(login.family)) { errors.push(`${jaas.where}: sasl.jaas.config uses the ${login.family} login module but sasl.mechanism is ${mechanism}`); return undefined; }
    return { mechanism: kafkajs, username: login.username, password: login.password };
  }
  if (username === undefined || password === undefined) { errors.push(`SASL needs credentials: sasl.jaas.config, or sasl.username and sasl.password (missing: ${username === undefined ? 'sasl.username' : 'sasl.password'})`); return undefined; }
  return { mechanism: kafkajs, username: username.value, password: password.value };
}

function tlsOf(s: Settings, at: (k: KafkaConfigKey) => string, readFile: (path: string) => string, errors: string[]): { options: ConnectionOptions; describe: string } | undefined {
  const options: ConnectionOptions = { rejectUnauthorized: true };
  const parts: string[] = [];
  const pem = (k: KafkaConfigKey, shape: RegExp, what: string): string | undefined => {
    const path = s.get(k)?.value;
    if (path === undefined) return undefined;
    try {
      const text = readFile(path);
      if (!shape.test(text)) { errors.push(`${at(k)}: ${k} ${path} holds no PEM ${what}`); return undefined; }
      return text;
    } catch (e) {
      const code = (e as { code?: unknown }).code;
      errors.push(`${at(k)}: ${k}: cannot read ${path}${typeof code === 'string' ? ` (${code})` : ''}`);
      return undefined;
    }
  };
  const ca = pem('ssl.ca.location', PEM_CERT, 'certificate');
  if (ca !== undefined) { options.ca = [ca]; parts.push(`CA ${s.get('ssl.ca.location')?.value}`); }
  const cert = pem('ssl.certificate.location', PEM_CERT, 'certificate');
  const key = pem('ssl.key.location', PEM_KEY, 'private key');
  const hasCert = s.has('ssl.certificate.location');
  if (hasCert !== s.has('ssl.key.location')) errors.push(`${at(hasCert ? 'ssl.certificate.location' : 'ssl.key.location')}: a client certificate needs both ssl.certificate.location and ssl.key.location`);
  if (s.has('ssl.key.password') && !s.has('ssl.key.location')) errors.push(`${at('ssl.key.password')}: ssl.key.password is set without ssl.key.location`);
  if (cert !== undefined && key !== undefined) {
    Object.assign(options, { cert, key }, s.has('ssl.key.password') ? { passphrase: s.get('ssl.key.password')?.value } : {});
    parts.push(`client certificate ${s.get('ssl.certificate.location')?.value}`);
  }
  const algorithm = s.get('ssl.endpoint.identification.algorithm')?.value ?? 'https';
  if (algorithm === '') {
    // Java's way to turn hostname verification off; the chain is still verified.
    options.checkServerIdentity = () => undefined;
    parts.push('no hostname verification');
  } else if (algorithm.toLowerCase() !== 'https') {
    errors.push(`${at('ssl.endpoint.identification.algorithm')}: ssl.endpoint.identification.algorithm must be https or empty (no hostname verification), got ${JSON.stringify(algorithm)}`);
  }
  return { options, describe: parts.join(', ') };
}
