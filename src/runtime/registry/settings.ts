/**
 * Where the schema registry is and how to reach it, from the environment (credentials never in a
 * spec): SCHEMA_REGISTRY_URL (`https://` is verified against the system CAs, or
 * SCHEMA_REGISTRY_CA_FILE), basic auth as `name:password` in SCHEMA_REGISTRY_USER_INFO or the
 * file SCHEMA_REGISTRY_USER_INFO_FILE (what Confluent's clients call basic.auth.USER.info), or in the URL itself.
 * Every secret is hidden from every output (hideSecret); `display` is the URL without them.
 */
import { hideSecret } from '../../redact.js';

export interface RegistrySettings {
  /** The base URL without credentials, e.g. http://127.0.0.1:8085/apis/ccompat/v7. */
  url: string;
  /** The Authorization header's value, when basic auth is configured. */
  authorization?: string;
  /** PEM text of the CA that signs the registry's certificate (else the system's). */
  ca?: string;
}

export type ReadText = (path: string) => string;

export function registrySettings(env: NodeJS.ProcessEnv, read: ReadText): RegistrySettings | undefined {
  const raw = env.SCHEMA_REGISTRY_URL;
  if (raw === undefined || raw === '') return undefined;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new Error('SCHEMA_REGISTRY_URL is not a URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`SCHEMA_REGISTRY_URL must be http:// or https:// (got ${url.protocol})`);
  let userInfo = url.username !== '' ? `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}` : undefined;
  url.username = '';
  url.password = '';
  const fromEnv = env.SCHEMA_REGISTRY_USER_INFO_FILE !== undefined && env.SCHEMA_REGISTRY_USER_INFO_FILE !== ''
    ? read(env.SCHEMA_REGISTRY_USER_INFO_FILE).trim()
    : env.SCHEMA_REGISTRY_USER_INFO;
  if (fromEnv !== undefined && fromEnv !== '') userInfo = fromEnv;
  if (userInfo !== undefined && !userInfo.includes(':')) throw new Error('the schema registry credentials must be name:password');
  const out: RegistrySettings = { url: url.toString().replace(/\/+$/u, '') };
  if (userInfo !== undefined) {
    hideSecret(userInfo);
    const password = userInfo.slice(userInfo.indexOf(':') + 1);
    if (password !== '') hideSecret(password);
    out.authorization = `Basic ${Buffer.from(userInfo).toString('base64')}`;
    hideSecret(out.authorization);
  }
  const caFile = env.SCHEMA_REGISTRY_CA_FILE;
  if (caFile !== undefined && caFile !== '') {
    if (url.protocol !== 'https:') throw new Error('SCHEMA_REGISTRY_CA_FILE is set but SCHEMA_REGISTRY_URL is not https://');
    out.ca = read(caFile);
  }
  return out;
}
