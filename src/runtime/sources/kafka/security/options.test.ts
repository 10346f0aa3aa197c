/** Settings → kafkajs' `ssl` and `sasl`, and the errors of settings that cannot connect. */
import { describe, expect, it } from 'vitest';
import { securityFrom } from './options.js';
import type { KafkaConfigKey, Setting } from './settings.js';

const CA = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
const KEY = '-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIIE\n-----END ENCRYPTED PRIVATE KEY-----\n';
const files: Record<string, string> = { '/ca.pem': CA, '/client.pem': CA, '/client.key': KEY, '/notes.txt': 'hello' };
const readFile = (p: string): string => {
  const t = files[p];
  if (t === undefined) throw Object.assign(new Error('ENOENT'), { code: 'ENOENT' });
  return t;
};
const settings = (o: Partial<Record<KafkaConfigKey, string>>): Map<KafkaConfigKey, Setting> =>
  new Map(Object.entries(o).map(([k, v], i) => [k as KafkaConfigKey, { value: v, where: `c.properties:${i + 1}` }]));
const map = (o: Partial<Record<KafkaConfigKey, string>>) => securityFrom(settings(o), readFile);

const SCRAM = 'org.apache.kafka.common.security.scram.ScramLoginModule required username="alice" password="al1ce-pw";';

describe('securityFrom', () => {
  it('SASL_SSL with SCRAM-SHA-512 from a JAAS line: kafkajs sasl, TLS with the CA, hostname verification on', () => {
    const r = map({ 'security.protocol': 'SASL_SSL', 'sasl.mechanism': 'SCRAM-SHA-512', 'sasl.jaas.config': SCRAM, 'ssl.ca.location': '/ca.pem', 'bootstrap.servers': 'b1:9094, b2:9094' });
    expect(r.errors).toEqual([]);
    expect(r.security).toEqual({
      protocol: 'SASL_SSL', brokers: ['b1:9094', 'b2:9094'],
      sasl: { mechanism: 'scram-sha-512', username: 'alice', password: 'al1ce-pw' },
      ssl: { rejectUnauthorized: true, ca: [CA] },
      description: 'SASL_SSL, SCRAM-SHA-512 as alice, CA /ca.pem',
      secrets: ['al1ce-pw'],
    });
  });

  it('PLAIN from sasl.username/sasl.password over SASL_PLAINTEXT: no TLS at all', () => {
    const r = map({ 'security.protocol': 'sasl_plaintext', 'sasl.mechanism': 'PLAIN', 'sasl.username': 'key', 'sasl.password': 'secret-1' });
    expect(r.security).toMatchObject({ protocol: 'SASL_PLAINTEXT', sasl: { mechanism: 'plain', username: 'key', password: 'secret-1' } });
    expect(r.security?.ssl).toBeUndefined();
  });

  it('SSL with the system CAs by default, a client certificate with its passphrase, and an empty algorithm turning hostname checks off', () => {
    expect(map({ 'security.protocol': 'SSL' }).security).toMatchObject({ ssl: { rejectUnauthorized: true }, description: 'SSL' });
    const r = map({ 'security.protocol': 'SSL', 'ssl.certificate.location': '/client.pem', 'ssl.key.location': '/client.key', 'ssl.key.password': 'k3y-pass', 'ssl.endpoint.identification.algorithm': '' });
    expect(r.security?.ssl).toMatchObject({ rejectUnauthorized: true, cert: CA, key: KEY, passphrase: 'k3y-pass' });
    expect(r.security?.ssl?.checkServerIdentity?.('other.host', { subject: { CN: 'x' } } as never)).toBeUndefined();
    expect(r.security?.description).toBe('SSL, client certificate /client.pem, no hostname verification');
    expect(r.security?.secrets).toEqual(['k3y-pass']);
    expect(map({ 'security.protocol': 'SSL', 'ssl.endpoint.identification.algorithm': 'HTTPS' }).security?.ssl?.checkServerIdentity).toBeUndefined();
  });

  it('refuses what cannot connect, located, without quoting a secret', () => {
    const cases: Array<[Partial<Record<KafkaConfigKey, string>>, string]> = [
      [{ 'security.protocol': 'SASL_SSSL' }, 'c.properties:1: security.protocol must be one of PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL, got "SASL_SSSL"'],
      [{ 'security.protocol': 'SASL_SSL', 'sasl.mechanism': 'GSSAPI', 'sasl.jaas.config': SCRAM }, 'c.properties:2: sasl.mechanism "GSSAPI" is not supported: use one of PLAIN, SCRAM-SHA-256, SCRAM-SHA-512, OAUTHBEARER'],
      [{ 'security.protocol': 'SASL_SSL', 'sasl.username': 'a', 'sasl.password': 'al1ce-pw' }, 'sasl.mechanism is required with SASL: one of PLAIN, SCRAM-SHA-256, SCRAM-SHA-512, OAUTHBEARER'],
      [{ 'security.protocol': 'SASL_SSL', 'sasl.mechanism': 'PLAIN', 'sasl.jaas.config': SCRAM }, 'c.properties:3: sasl.jaas.config uses the SCRAM login module but sasl.mechanism is PLAIN'],
      [{ 'security.protocol': 'SASL_SSL', 'sasl.mechanism': 'PLAIN', 'sasl.jaas.config': 'username="a" password="al1ce-pw"' }, 'c.properties:3: sasl.jaas.config is not a JAAS login line (<LoginModule> required username="…" password="…";)'],
      [{ 'security.protocol': 'SASL_SSL', 'sasl.mechanism': 'SCRAM-SHA-256', 'sasl.jaas.config': SCRAM.replace(' password="al1ce-pw"', '') }, 'c.properties:3: sasl.jaas.config has no password option'],
      [{ 'security.protocol': 'SASL_SSL', 'sasl.mechanism': 'PLAIN', 'sasl.username': 'a' }, 'SASL needs credentials: sasl.jaas.config, or sasl.username and sasl.password (missing: sasl.password)'],
      [{ 'security.protocol': 'SSL', 'sasl.password': 'al1ce-pw' }, 'c.properties:2: sasl.password is set but security.protocol is SSL: use SASL_SSL or SASL_PLAINTEXT, or remove it'],
      [{ 'ssl.ca.location': '/ca.pem' }, 'c.properties:1: ssl.ca.location is set but security.protocol is PLAINTEXT: use SSL or SASL_SSL, or remove it'],
      [{ 'security.protocol': 'SSL', 'ssl.ca.location': '/notes.txt' }, 'c.properties:2: ssl.ca.location /notes.txt holds no PEM certificate'],
      [{ 'security.protocol': 'SSL', 'ssl.ca.location': '/missing.pem' }, 'c.properties:2: ssl.ca.location: cannot read /missing.pem (ENOENT)'],
      [{ 'security.protocol': 'SSL', 'ssl.certificate.location': '/client.pem' }, 'c.properties:2: a client certificate needs both ssl.certificate.location and ssl.key.location'],
      [{ 'security.protocol': 'SSL', 'ssl.endpoint.identification.algorithm': 'none' }, 'c.properties:2: ssl.endpoint.identification.algorithm must be https or empty (no hostname verification), got "none"'],
    ];
    for (const [given, error] of cases) {
      const r = map(given);
      expect(r.security, error).toBeUndefined();
      expect(r.errors, error).toContain(error);
      expect(r.errors.join('\n')).not.toContain('al1ce-pw');
    }
  });
});

describe('securityFrom: OAUTHBEARER', () => {
  const tokens = { readFile: () => 'tok', runCommand: async () => 'tok', now: () => 0 };
  const oauth = (o: Partial<Record<KafkaConfigKey, string>>) => securityFrom(settings({ 'security.protocol': 'SASL_SSL', 'sasl.mechanism': 'OAUTHBEARER', ...o }), readFile, tokens);

  it('takes a token from a file or a command, described without it', async () => {
    const r = oauth({ 'sasl.oauthbearer.token.location': '/run/token', 'ssl.ca.location': '/ca.pem' });
    expect(r.errors).toEqual([]);
    expect(r.security?.description).toBe('SASL_SSL, OAUTHBEARER token from /run/token, CA /ca.pem');
    const sasl = r.security?.sasl;
    expect(sasl?.mechanism).toBe('oauthbearer');
    expect(sasl !== undefined && 'oauthBearerProvider' in sasl ? await sasl.oauthBearerProvider() : undefined).toEqual({ value: 'tok' });
    expect(oauth({ 'sasl.oauthbearer.token.command': 'gcloud auth print-access-token' }).security?.description).toBe('SASL_SSL, OAUTHBEARER token from a command');
  });

  it('refuses what does not go with it, each with where it was given', () => {
    expect(oauth({}).errors).toEqual(['OAUTHBEARER needs a token: sasl.oauthbearer.token.location (a file kept fresh) or sasl.oauthbearer.token.command (a command that prints one)']);
    expect(oauth({ 'sasl.oauthbearer.token.location': '/t', 'sasl.oauthbearer.token.command': 'x' }).errors).toEqual(['c.properties:4: give sasl.oauthbearer.token.location or sasl.oauthbearer.token.command, not both']);
    expect(oauth({ 'sasl.oauthbearer.token.location': '/t', 'sasl.password': 'pw12' }).errors).toEqual(['c.properties:4: sasl.password is not used with OAUTHBEARER: give sasl.oauthbearer.token.location or sasl.oauthbearer.token.command']);
    expect(map({ 'security.protocol': 'SASL_SSL', 'sasl.mechanism': 'PLAIN', 'sasl.username': 'a', 'sasl.password': 'b', 'sasl.oauthbearer.token.location': '/t' }).errors)
      .toEqual(['c.properties:5: sasl.oauthbearer.token.location is set but sasl.mechanism is PLAIN: it goes with OAUTHBEARER']);
  });
});
