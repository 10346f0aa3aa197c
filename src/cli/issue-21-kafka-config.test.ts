/**
 * Issue 21, Kafka security configuration through the CLI: `--kafka-config` and KAFKA_<KEY>
 * variables reach `run`, `rebuild` and `status`; a bad file is refused with every error at its
 * file:line and exit 2 before anything connects; a password never appears in an error line, a
 * log line or `--help`.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createLogger } from '../runtime/ops/log.js';
import { kafkaConnection } from './kafka-config.js';
import { main } from './main.js';

const PASSWORD = 'Sup3r-s3cret-pw';
let dir = '';
const saved = { ...process.env };

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'sc-kafka-config-'));
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
  for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
  Object.assign(process.env, saved);
});

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

async function cli(argv: string[]): Promise<{ code: number; out: string }> {
  const chunks: string[] = [];
  const capture = (s: string | Uint8Array): boolean => { chunks.push(String(s)); return true; };
  const stdout = vi.spyOn(process.stdout, 'write').mockImplementation(capture);
  const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(capture);
  try {
    return { code: await main(argv), out: chunks.join('') };
  } finally {
    stdout.mockRestore();
    stderr.mockRestore();
  }
}

describe('issue 21: --kafka-config', () => {
  it('refuses a bad file with each error at its file:line, exit 2, before connecting, and without the password', async () => {
    const props = file('client.properties', `security.protocol=SASL_SSL\nsasl.mechanism=GSSAPI\nsasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="a" password="${PASSWORD}";\nssl.truststore.location=/x.jks\n`);
    for (const command of [['status'], ['run'], ['rebuild', 'some_projection']]) {
      const r = await cli([...command, '--kafka-config', props, '--brokers', '127.0.0.1:1', '--database-url', `sqlite:${join(dir, 'x.db')}`]);
      expect(r.code, command[0]).toBe(2);
      expect(r.out).toBe(`Kafka client configuration: ${props}:4: unknown key "ssl.truststore.location" (known: bootstrap.servers, security.protocol, sasl.mechanism, sasl.jaas.config, sasl.username, sasl.password, ssl.ca.location, ssl.certificate.location, ssl.key.location, ssl.key.password, ssl.endpoint.identification.algorithm, sasl.oauthbearer.token.location, sasl.oauthbearer.token.command)\n`);
    }
    rmSync(props);
    writeFileSync(props, `security.protocol=SASL_SSL\nsasl.mechanism=GSSAPI\nsasl.username=a\nsasl.password=${PASSWORD}\n`);
    const r = await cli(['status', '--kafka-config', props, '--database-url', `sqlite:${join(dir, 'x.db')}`]);
    expect(r).toEqual({ code: 2, out: `Kafka client configuration: ${props}:2: sasl.mechanism "GSSAPI" is not supported: use one of PLAIN, SCRAM-SHA-256, SCRAM-SHA-512, OAUTHBEARER\n` });
  });

  it('reads the same keys from KAFKA_<KEY> variables (KAFKA_CONFIG names the file), the variable winning', async () => {
    process.env.KAFKA_CONFIG = file('c.properties', 'security.protocol=SSL\n');
    process.env.KAFKA_SECURITY_PROTOCOL = 'SASL_SSSL';
    delete process.env.KAFKA_BROKERS;
    const r = await cli(['status', '--database-url', `sqlite:${join(dir, 'x.db')}`]);
    expect(r).toEqual({ code: 2, out: 'Kafka client configuration: KAFKA_SECURITY_PROTOCOL: security.protocol must be one of PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL, got "SASL_SSSL"\n' });
  });

  it('status without brokers nor a file reads the database only, whatever KAFKA_* says', async () => {
    process.env.KAFKA_SECURITY_PROTOCOL = 'SASL_SSSL';
    delete process.env.KAFKA_BROKERS;
    const r = await cli(['status', '--config', 'projections', '--database-url', `sqlite:${join(dir, 'none.db')}`]);
    expect(r.out).not.toContain('Kafka client configuration');
  });

  it('takes the brokers from --brokers first, else from bootstrap.servers', () => {
    const props = file('c.properties', 'bootstrap.servers=b1:9096,b2:9096\nsecurity.protocol=SASL_SSL\nsasl.mechanism=SCRAM-SHA-512\nsasl.username=u\nsasl.password=${file:' + file('pw', PASSWORD + '\n') + '}\n');
    const fromFile = kafkaConnection({ kafkaConfig: props }, {});
    expect(fromFile).toMatchObject({ brokers: ['b1:9096', 'b2:9096'], security: { protocol: 'SASL_SSL', sasl: { mechanism: 'scram-sha-512', username: 'u', password: PASSWORD } } });
    expect(kafkaConnection({ kafkaConfig: props, brokers: 'x:1' }, {})).toMatchObject({ brokers: ['x:1'] });
    expect(kafkaConnection({}, {})).toEqual({ security: { protocol: 'PLAINTEXT', description: 'PLAINTEXT', secrets: [] } });
  });

  it('prints a password it has read as *** in every log line, whoever wrote the text', () => {
    process.env.KAFKA_SASL_PASSWORD_FILE = file('pw', `${PASSWORD}\n`);
    expect(kafkaConnection({}, { ...process.env, KAFKA_SECURITY_PROTOCOL: 'SASL_SSL', KAFKA_SASL_MECHANISM: 'PLAIN', KAFKA_SASL_USERNAME: 'u' })).toMatchObject({ security: { description: 'SASL_SSL, PLAIN as u' } });
    const lines: string[] = [];
    const log = createLogger('json', (l) => lines.push(l));
    log.error(`broker said: bad password ${PASSWORD}`, { detail: `jaas password="${PASSWORD}"` });
    createLogger('text', (l) => lines.push(l)).warn(`again ${PASSWORD}`);
    expect(lines.join('\n')).not.toContain(PASSWORD);
    expect(lines.join('\n')).toContain('bad password ***');
  });

  it('never shows a password in --help, also with the variables set', async () => {
    process.env.KAFKA_SASL_PASSWORD = PASSWORD;
    process.env.KAFKA_CONFIG = file('c.properties', `sasl.password=${PASSWORD}\n`);
    for (const command of ['run', 'status', 'rebuild']) {
      const r = await cli([command, '--help']);
      expect(r.code).toBe(0);
      expect(r.out).toContain('--kafka-config <file>');
      expect(r.out).not.toContain(PASSWORD);
    }
  });
});
