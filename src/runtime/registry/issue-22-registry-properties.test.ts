/**
 * Issue 22: the schema registry's settings from the Kafka client properties file, as Confluent's
 * serializers take them. The environment's SCHEMA_REGISTRY_URL wins as a whole; otherwise the
 * file's keys become the registry's settings, never mixed with the environment's credentials or
 * CA; errors name key and file:line, never a value; passwords hidden as soon as the file is read.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { redactUrls } from '../../redact.js';
import { loadKafkaSecurity } from '../sources/kafka/security/load.js';
import { registryEnv, type RegistryProperty } from './properties.js';

const at = (entries: Array<[string, string]>): RegistryProperty[] => entries.map(([key, value], i) => ({ key, value, where: `client.properties:${i + 1}` }));
const FILE = at([['schema.registry.url', 'https://sr.example:8081'], ['basic.auth.credentials.source', 'USER_INFO'], ['basic.auth.user.info', 'reader:pw-props'], ['schema.registry.ssl.ca.location', '/ca.pem']]);

describe('registryEnv', () => {
  it("turns the file's keys into the registry's settings when the environment names no registry", () => {
    expect(registryEnv(FILE, { PATH: '/bin' })).toEqual({ env: { PATH: '/bin', SCHEMA_REGISTRY_URL: 'https://sr.example:8081', SCHEMA_REGISTRY_USER_INFO: 'reader:pw-props', SCHEMA_REGISTRY_CA_FILE: '/ca.pem' } });
    const alias = at([['schema.registry.url', 'http://sr'], ['basic.auth.credentials.source', 'user_info'], ['schema.registry.basic.auth.user.info', 'a:b']]);
    expect(registryEnv(alias, {})).toEqual({ env: { SCHEMA_REGISTRY_URL: 'http://sr', SCHEMA_REGISTRY_USER_INFO: 'a:b' } });
    expect(registryEnv(at([['schema.registry.url', 'http://u:p@sr']]), {})).toEqual({ env: { SCHEMA_REGISTRY_URL: 'http://u:p@sr' } });
  });

  it("leaves the environment's registry whole when SCHEMA_REGISTRY_URL is set (the file's keys unused)", () => {
    const env = { SCHEMA_REGISTRY_URL: 'http://env-sr', SCHEMA_REGISTRY_USER_INFO: 'env:pw' };
    expect(registryEnv(FILE, env)).toEqual({ env });
  });

  it('refuses a mix, a credential Confluent would ignore, a missing URL and duplicates, naming file:line and never a value', () => {
    const errors = (props: RegistryProperty[], env: NodeJS.ProcessEnv = {}): string[] => {
      const r = registryEnv(props, env);
      return 'errors' in r ? r.errors : [];
    };
    expect(errors(FILE, { SCHEMA_REGISTRY_USER_INFO_FILE: '/run/secrets/sr' })).toEqual([
      "SCHEMA_REGISTRY_USER_INFO_FILE is set, but the schema registry is client.properties:1's schema.registry.url: give the registry's settings in one place (SCHEMA_REGISTRY_URL too, or SCHEMA_REGISTRY_USER_INFO_FILE in the file)",
    ]);
    expect(errors(at([['schema.registry.url', 'http://sr'], ['basic.auth.user.info', 'a:pw-x']]))).toEqual(['client.properties:2: basic.auth.user.info is given, but basic.auth.credentials.source is not USER_INFO (set it, or the credentials would be ignored)']);
    expect(errors(at([['schema.registry.url', 'http://sr'], ['basic.auth.credentials.source', 'USER_INFO']]))).toEqual(['client.properties:2: basic.auth.credentials.source is USER_INFO but basic.auth.user.info is not given']);
    expect(errors(at([['schema.registry.url', 'http://sr'], ['basic.auth.credentials.source', 'SASL_INHERIT']]))).toEqual(['client.properties:2: basic.auth.credentials.source must be USER_INFO or URL (SASL_INHERIT is not supported)']);
    expect(errors(at([['basic.auth.user.info', 'a:pw-y']]))).toEqual(['client.properties:1: basic.auth.user.info is given without schema.registry.url (or SCHEMA_REGISTRY_URL)']);
    expect(errors(at([['schema.registry.url', 'http://[sr.example']]))).toEqual(['client.properties:1: schema.registry.url is not a URL']);
    expect(errors(at([['schema.registry.url', 'http://a'], ['schema.registry.url', 'http://b']]))).toEqual(['client.properties:2: schema.registry.url is given twice (first at client.properties:1)']);
    const both = errors(at([['schema.registry.url', 'http://sr'], ['basic.auth.credentials.source', 'USER_INFO'], ['basic.auth.user.info', 'a:pw-1'], ['schema.registry.basic.auth.user.info', 'a:pw-2']]));
    expect(both).toEqual(['client.properties:4: schema.registry.basic.auth.user.info and basic.auth.user.info (client.properties:3) are both given: give one']);
  });
});

describe('loadKafkaSecurity with registry keys', () => {
  it("sets the registry's keys apart (not unknown Kafka keys) and hides the password at once", () => {
    const dir = mkdtempSync(join(tmpdir(), 'sc-props-'));
    try {
      const file = join(dir, 'client.properties');
      writeFileSync(file, 'security.protocol=PLAINTEXT\nschema.registry.url=http://sr:8081\nbasic.auth.credentials.source=USER_INFO\nbasic.auth.user.info=reader:pw-load-test\n');
      const loaded = loadKafkaSecurity({ configPath: file, env: {} });
      if ('errors' in loaded) throw new Error(loaded.errors.join('\n'));
      expect(loaded.security.protocol).toBe('PLAINTEXT');
      expect(loaded.security.registry?.map((p) => `${p.where.slice(dir.length + 1)} ${p.key}`)).toEqual(['client.properties:2 schema.registry.url', 'client.properties:3 basic.auth.credentials.source', 'client.properties:4 basic.auth.user.info']);
      expect(redactUrls('the password pw-load-test, the pair reader:pw-load-test')).not.toContain('pw-load-test');
      writeFileSync(file, 'schema.registry.urll=http://sr:8081\n');
      expect(loadKafkaSecurity({ configPath: file, env: {} })).toEqual({ errors: [expect.stringMatching(/client.properties:1: unknown key "schema.registry.urll"/u)] });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
