import { describe, expect, it } from 'vitest';
import { parseProperties } from './properties.js';
import { collectSettings, envName, KAFKA_CONFIG_KEYS, type SettingSources } from './settings.js';

const files: Record<string, string> = { '/run/secrets/pw': 'file-secret-1\n', '/run/secrets/user': 'alice' };
const readFile = (path: string): string => {
  const text = files[path];
  if (text === undefined) throw Object.assign(new Error(`ENOENT: no such file or directory, open '${path}'`), { code: 'ENOENT' });
  return text;
};
const from = (text: string, env: Record<string, string> = {}): SettingSources => ({ file: { path: 'client.properties', entries: parseProperties(text) }, env, readFile });
const values = (src: SettingSources) => {
  const r = collectSettings(src);
  return { values: Object.fromEntries([...r.settings].map(([k, s]) => [k, `${s.value} @ ${s.where}`])), errors: r.errors };
};

describe('Kafka client settings', () => {
  it('names each key\'s variable KAFKA_ + the key upper-cased with _ for . (bootstrap.servers has KAFKA_BROKERS already)', () => {
    expect(envName('security.protocol')).toBe('KAFKA_SECURITY_PROTOCOL');
    expect(envName('ssl.endpoint.identification.algorithm')).toBe('KAFKA_SSL_ENDPOINT_IDENTIFICATION_ALGORITHM');
    expect(envName('bootstrap.servers')).toBeUndefined();
    expect(KAFKA_CONFIG_KEYS.map(envName).filter(Boolean)).toHaveLength(KAFKA_CONFIG_KEYS.length - 1);
  });

  it('refuses an unknown or repeated key at its file:line, and goes on to report every one', () => {
    const r = values(from('security.protocol=SSL\nssl.ca.locaton=/ca.pem\nsasl.pasword=hunter22\nsecurity.protocol=SASL_SSL'));
    expect(r.errors).toEqual([
      expect.stringMatching(/^client\.properties:2: unknown key "ssl\.ca\.locaton" \(known: bootstrap\.servers, security\.protocol, /),
      expect.stringMatching(/^client\.properties:3: unknown key "sasl\.pasword"/),
      'client.properties:4: security.protocol is given twice (first at line 1)',
    ]);
    expect(r.errors.join('\n')).not.toContain('hunter22');
  });

  it('lets a variable override the file, reads <NAME>_FILE, and resolves ${env:…} and ${file:…}', () => {
    const r = values(from('security.protocol=SASL_PLAINTEXT\nsasl.username=${file:/run/secrets/user}\nsasl.password=${env:PW}', {
      KAFKA_SECURITY_PROTOCOL: 'SASL_SSL', PW: 'env-secret', KAFKA_SSL_KEY_PASSWORD_FILE: '/run/secrets/pw', KAFKA_BROKERS: 'ignored:9092',
    }));
    expect(r).toEqual({ errors: [], values: {
      'security.protocol': 'SASL_SSL @ KAFKA_SECURITY_PROTOCOL',
      'sasl.username': 'alice @ client.properties:2',
      'sasl.password': 'env-secret @ client.properties:3',
      'ssl.key.password': 'file-secret-1 @ KAFKA_SSL_KEY_PASSWORD_FILE',
    } });
  });

  it('keeps an empty variable as an empty value (Java\'s way to turn hostname verification off)', () => {
    expect(values({ env: { KAFKA_SSL_ENDPOINT_IDENTIFICATION_ALGORITHM: '' }, readFile }).values).toEqual({ 'ssl.endpoint.identification.algorithm': ' @ KAFKA_SSL_ENDPOINT_IDENTIFICATION_ALGORITHM' });
  });

  it('says which reference or file is missing, never the value around it', () => {
    const r = values(from('sasl.password=pre-${env:NOPE}-post\nsasl.jaas.config=${file:/nowhere}', { KAFKA_SASL_USERNAME: 'u', KAFKA_SASL_USERNAME_FILE: '/run/secrets/user' }));
    expect(r.errors).toEqual([
      'client.properties:1: sasl.password refers to ${env:NOPE}, which is not set',
      'client.properties:2: sasl.jaas.config: cannot read /nowhere (ENOENT)',
      'KAFKA_SASL_USERNAME and KAFKA_SASL_USERNAME_FILE are both set: give one',
    ]);
    expect(r.errors.join('\n')).not.toMatch(/pre-|post/);
  });
});
