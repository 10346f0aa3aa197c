/**
 * The Kafka client settings a run takes, in the Java client's words: from a properties file
 * (`--kafka-config`) and from environment variables, with secrets kept out of both.
 *
 * - Environment: `KAFKA_` + the key upper-cased with dots as underscores (`security.protocol` is
 *   `KAFKA_SECURITY_PROTOCOL`); a variable overrides the file's key. `<NAME>_FILE` (the container
 *   secrets convention) reads the value from a file instead. `bootstrap.servers` has no variable:
 *   KAFKA_BROKERS (`--brokers`) already is one.
 * - `${env:NAME}` and `${file:/path}` inside a value are replaced by the variable or the file's
 *   contents (one trailing newline dropped), as Kafka's config providers do.
 * - An unknown key is an error at its file:line: a misspelt `ssl.ca.locaton` must not connect
 *   without its CA.
 *
 * Errors name the key and where it came from, never a value: the value may be a password.
 * Pure: the caller passes the environment and a file reader.
 */

export const KAFKA_CONFIG_KEYS = [
  'bootstrap.servers',
  'security.protocol',
  'sasl.mechanism',
  'sasl.jaas.config',
  'sasl.username',
  'sasl.password',
  'ssl.ca.location',
  'ssl.certificate.location',
  'ssl.key.location',
  'ssl.key.password',
  'ssl.endpoint.identification.algorithm',
  // sc-project's own (OAUTHBEARER, security/oauth.ts): where a token comes from.
  'sasl.oauthbearer.token.location',
  'sasl.oauthbearer.token.command',
] as const;
export type KafkaConfigKey = (typeof KAFKA_CONFIG_KEYS)[number];

/** Keys whose values are never printed (the JAAS line holds the password). */
export const SECRET_KEYS: ReadonlySet<KafkaConfigKey> = new Set(['sasl.jaas.config', 'sasl.password', 'ssl.key.password']);

const KNOWN: ReadonlySet<string> = new Set(KAFKA_CONFIG_KEYS);
const isKey = (k: string): k is KafkaConfigKey => KNOWN.has(k);

/** The environment variable of a key, e.g. KAFKA_SASL_MECHANISM; none for bootstrap.servers. */
export function envName(key: KafkaConfigKey): string | undefined {
  return key === 'bootstrap.servers' ? undefined : `KAFKA_${key.toUpperCase().replace(/\./g, '_')}`;
}

export interface Setting {
  value: string;
  /** Where it was given: `client.properties:3` or `KAFKA_SASL_PASSWORD_FILE`. */
  where: string;
}
export type Settings = ReadonlyMap<KafkaConfigKey, Setting>;

export interface SettingSources {
  /** The properties file (its name as given) and its entries, when there is one. */
  file?: { path: string; entries: ReadonlyArray<{ key: string; value: string; line: number }> };
  env: Readonly<Record<string, string | undefined>>;
  /** Reads a file as UTF-8; throws an Error whose `code` says why (ENOENT, EACCES). */
  readFile: (path: string) => string;
}

export function collectSettings(src: SettingSources): { settings: Map<KafkaConfigKey, Setting>; errors: string[] } {
  const settings = new Map<KafkaConfigKey, Setting>();
  const errors: string[] = [];
  const firstLine = new Map<string, number>();
  for (const e of src.file?.entries ?? []) {
    const where = `${src.file?.path}:${e.line}`;
    if (!isKey(e.key)) { errors.push(`${where}: unknown key ${JSON.stringify(e.key)} (known: ${KAFKA_CONFIG_KEYS.join(', ')})`); continue; }
    const seen = firstLine.get(e.key);
    if (seen !== undefined) { errors.push(`${where}: ${e.key} is given twice (first at line ${seen})`); continue; }
    firstLine.set(e.key, e.line);
    const value = interpolate(e.key, e.value, where, src, errors);
    if (value !== undefined) settings.set(e.key, { value, where });
  }
  for (const key of KAFKA_CONFIG_KEYS) {
    const name = envName(key);
    if (name === undefined) continue;
    const direct = src.env[name];
    const file = src.env[`${name}_FILE`];
    if (direct !== undefined && file !== undefined) { errors.push(`${name} and ${name}_FILE are both set: give one`); continue; }
    if (file !== undefined) {
      const value = readSecret(file, `${name}_FILE`, src, errors);
      if (value !== undefined) settings.set(key, { value, where: `${name}_FILE` });
    } else if (direct !== undefined) {
      const value = interpolate(key, direct, name, src, errors);
      if (value !== undefined) settings.set(key, { value, where: name });
    }
  }
  return { settings, errors };
}

const REFERENCE = /\$\{(env|file):([^}]*)\}/g;

function interpolate(key: KafkaConfigKey, value: string, where: string, src: SettingSources, errors: string[]): string | undefined {
  let failed = false;
  const out = value.replace(REFERENCE, (_, kind: string, ref: string) => {
    if (kind === 'env') {
      const v = src.env[ref];
      if (v === undefined) { failed = true; errors.push(`${where}: ${key} refers to \${env:${ref}}, which is not set`); }
      return v ?? '';
    }
    const v = readSecret(ref, `${where}: ${key}`, src, errors);
    if (v === undefined) failed = true;
    return v ?? '';
  });
  return failed ? undefined : out;
}

/** A file's contents without its final newline (what `echo pw > file` adds). */
function readSecret(path: string, what: string, src: SettingSources, errors: string[]): string | undefined {
  try {
    return src.readFile(path).replace(/\r?\n$/, '');
  } catch (e) {
    const code = (e as { code?: unknown }).code;
    errors.push(`${what}: cannot read ${path}${typeof code === 'string' ? ` (${code})` : ''}`);
    return undefined;
  }
}
