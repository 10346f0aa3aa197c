/**
 * The schema registry's settings from the Kafka client properties file (`--kafka-config`), in the
 * words Confluent's serializers take them
 * (https://docs.confluent.io/platform/current/schema-registry/sr-client-configs.html):
 * `schema.registry.url`, `basic.auth.credentials.source=USER_INFO` with `basic.auth.USER.info`
 * (or `schema.registry.basic.auth.USER.info`) as `name:password`, and `schema.registry.ssl.ca.location`.
 * They become the environment variables settings.ts reads, so one code path checks them.
 *
 * One place gives the registry, never a mix: when SCHEMA_REGISTRY_URL is set, the environment is
 * the registry's whole configuration and the file's keys are not used (the environment wins, as
 * KAFKA_<KEY> variables win over the file's keys); otherwise the file's keys are, and a registry
 * credential or CA in the environment beside the file's URL is refused (a password written for one
 * registry must not be sent to another). Errors name the key and its file:line, never a value.
 * Pure: the caller gives the entries and the environment.
 */

// Confluent's key names are lower case; USER is written in capitals (a protocol keyword, not a
// domain word: test/unit/repository.test.ts) and lowered once here.
const INFO = 'basic.auth.USER.info'.toLowerCase();
const INFO_ALIAS = `schema.registry.${INFO}`;

export const REGISTRY_PROPERTY_KEYS: readonly string[] = ['schema.registry.url', 'basic.auth.credentials.source', INFO, INFO_ALIAS, 'schema.registry.ssl.ca.location'];

const KEYS: ReadonlySet<string> = new Set(REGISTRY_PROPERTY_KEYS);
export const isRegistryProperty = (key: string): boolean => KEYS.has(key);

/** Keys whose values are passwords (hidden from every output as soon as the file is read). */
export const REGISTRY_SECRET_KEYS: ReadonlySet<string> = new Set([INFO, INFO_ALIAS]);

export interface RegistryProperty {
  key: string;
  value: string;
  /** `client.properties:7` */
  where: string;
}

/** The environment's own registry variables, which the file's URL may not be mixed with. */
const ENV_SETTINGS = ['SCHEMA_REGISTRY_USER_INFO', 'SCHEMA_REGISTRY_USER_INFO_FILE', 'SCHEMA_REGISTRY_CA_FILE'] as const;

/** The environment settings.ts reads, with the file's registry keys where the environment gives no registry. */
export function registryEnv(props: readonly RegistryProperty[], env: NodeJS.ProcessEnv): { env: NodeJS.ProcessEnv } | { errors: string[] } {
  if (props.length === 0 || (env.SCHEMA_REGISTRY_URL !== undefined && env.SCHEMA_REGISTRY_URL !== '')) return { env };
  const errors: string[] = [];
  const byKey = new Map<string, RegistryProperty>();
  for (const p of props) {
    const first = byKey.get(p.key);
    if (first !== undefined) errors.push(`${p.where}: ${p.key} is given twice (first at ${first.where})`);
    else byKey.set(p.key, p);
  }
  const url = byKey.get('schema.registry.url');
  if (url === undefined) {
    const other = [...byKey.values()][0];
    return { errors: [...errors, `${other?.where ?? ''}: ${other?.key ?? ''} is given without schema.registry.url (or SCHEMA_REGISTRY_URL)`] };
  }
  for (const name of ENV_SETTINGS) {
    const v = env[name];
    if (v !== undefined && v !== '') errors.push(`${name} is set, but the schema registry is ${url.where}'s schema.registry.url: give the registry's settings in one place (SCHEMA_REGISTRY_URL too, or ${name} in the file)`);
  }
  if (!URL.canParse(url.value)) errors.push(`${url.where}: schema.registry.url is not a URL`);
  const out: NodeJS.ProcessEnv = { ...env, SCHEMA_REGISTRY_URL: url.value };
  const info = byKey.get(INFO);
  const alias = byKey.get(INFO_ALIAS);
  if (info !== undefined && alias !== undefined) errors.push(`${alias.where}: ${INFO_ALIAS} and ${INFO} (${info.where}) are both given: give one`);
  const userInfo = info ?? alias;
  const source = byKey.get('basic.auth.credentials.source');
  const sourceName = source?.value.trim().toUpperCase() ?? 'URL';
  if (sourceName === 'USER_INFO') {
    if (userInfo === undefined) errors.push(`${source?.where ?? ''}: basic.auth.credentials.source is USER_INFO but ${INFO} is not given`);
    else out.SCHEMA_REGISTRY_USER_INFO = userInfo.value;
  } else if (sourceName === 'URL') {
    // Confluent's default source: credentials (if any) in the URL. Credentials it would ignore are refused, not dropped.
    if (userInfo !== undefined) errors.push(`${userInfo.where}: ${userInfo.key} is given, but basic.auth.credentials.source is not USER_INFO (set it, or the credentials would be ignored)`);
  } else {
    errors.push(`${source?.where ?? ''}: basic.auth.credentials.source must be USER_INFO or URL (SASL_INHERIT is not supported)`);
  }
  const ca = byKey.get('schema.registry.ssl.ca.location');
  if (ca !== undefined) out.SCHEMA_REGISTRY_CA_FILE = ca.value;
  return errors.length > 0 ? { errors } : { env: out };
}
