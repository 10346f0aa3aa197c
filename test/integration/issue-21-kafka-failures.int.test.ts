/**
 * Issue 21, the security mistakes through the real CLI (`node bin/sc-project.js run`), against the
 * local broker's listeners: each is one line naming the broker and the cause, exit 1 at start-up
 * (before any table is created), no stack trace, no retry loop (well under kafkajs' retries of
 * about a minute), and never the password. An unsupported mechanism is refused before
 * connecting (exit 2); one the listener does not enable is named by the broker's answer.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, ROOT } from '../helpers/runner.js';
import { SECURE, saslSslEntries, skipWithoutSecureKafka, writeProperties } from '../helpers/secure-kafka.js';
import { freshDatabase, skipWithout } from '../helpers/services.js';

const skip = skipWithout('DATABASE_URL', 'KAFKA_BROKERS') || skipWithoutSecureKafka();
const WRONG = 'Wr0ng-scram-pass';

describe.skipIf(skip)('issue 21: Kafka security failures at start-up', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sc-kafka-failures-'));
  let db: Awaited<ReturnType<typeof freshDatabase>>;

  beforeAll(async () => {
    db = await freshDatabase('sc_kfail');
    writeFileSync(join(dir, 'wrong.password'), `${WRONG}\n`);
  });

  afterAll(async () => {
    await db?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  /** `run` with these settings (or this properties file, or none). */
  function run(brokers: string, settings: Record<string, string> | string | undefined): Promise<{ code: number | null; stderr: string; ms: number }> {
    const path = typeof settings === 'object' ? writeProperties(dir, `c-${Math.random().toString(36).slice(2)}.properties`, settings) : settings;
    const config = path === undefined ? [] : ['--kafka-config', path];
    const started = Date.now();
    return new Promise((resolve) => {
      execFile(process.execPath, [BIN, 'run', '--config', 'projections', '--database-url', db.url, '--brokers', brokers, '--log-format', 'json', ...config], { cwd: ROOT, timeout: 90_000, env: { ...process.env, SC_PROJECT_LOG_LEVEL: 'info' } }, (err, _stdout, stderr) => {
        resolve({ code: err === null ? 0 : typeof err.code === 'number' ? err.code : null, stderr, ms: Date.now() - started });
      });
    });
  }

  /** The lines besides the JSON start-up line: exactly the one error line. */
  async function expectOneLine(r: { code: number | null; stderr: string; ms: number }, code: number, line: RegExp): Promise<void> {
    const rest = r.stderr.split('\n').filter((l) => l !== '' && !l.includes('"msg":"sc-project starting"'));
    expect(rest, r.stderr).toHaveLength(1);
    expect(rest[0]).toMatch(line);
    expect(r.code).toBe(code);
    expect(r.ms).toBeLessThan(20_000);
    expect(r.stderr).not.toMatch(/\n\s+at |Wr0ng|KafkaJSNumberOfRetriesExceeded/);
    const c = await mysql.createConnection(db.url);
    try {
      expect((await c.query('SHOW TABLES'))[0]).toEqual([]);
    } finally {
      await c.end();
    }
  }

  it('a wrong password', async () => {
    const r = await run(SECURE.KAFKA_SASL_SSL_BROKERS, { ...saslSslEntries(), 'sasl.password': `\${file:${join(dir, 'wrong.password')}}` });
    await expectOneLine(r, 1, new RegExp(`^Kafka ${SECURE.KAFKA_SASL_SSL_BROKERS}: SASL authentication failed for ${SECURE.KAFKA_SCRAM_USERNAME} \\(SCRAM-SHA-512\\): wrong name or password, or no such SASL login \\(.*invalid credentials.*\\)$`));
  });

  it('a CA that did not sign the broker\'s certificate (the system\'s)', async () => {
    const { 'ssl.ca.location': _, ...withoutCa } = saslSslEntries();
    const r = await run(SECURE.KAFKA_SASL_SSL_BROKERS, withoutCa);
    await expectOneLine(r, 1, new RegExp(`^Kafka ${SECURE.KAFKA_SASL_SSL_BROKERS}: the broker's TLS certificate is not trusted \\(self-signed certificate in certificate chain\\): set ssl.ca.location to the CA that signed it$`));
  });

  it('a host name the broker\'s certificate does not list (127.1 reaches 127.0.0.1; the certificate names localhost and 127.0.0.1)', async () => {
    const other = SECURE.KAFKA_SASL_SSL_BROKERS.replace(/^127\.0\.0\.1:/, '127.1:');
    const r = await run(other, saslSslEntries());
    await expectOneLine(r, 1, new RegExp(`^Kafka ${other}: the broker's TLS certificate does not name this host \\(Hostname/IP does not match certificate's altnames: .*\\): connect by a name it has, or set ssl.endpoint.identification.algorithm= \\(empty\\) to skip the check$`));
  });

  it('a TLS client at the PLAINTEXT listener', async () => {
    const r = await run(SECURE.KAFKA_BROKERS, { 'security.protocol': 'SSL', 'ssl.ca.location': SECURE.KAFKA_CA_FILE });
    await expectOneLine(r, 1, new RegExp(`^Kafka ${SECURE.KAFKA_BROKERS}: the TLS handshake failed \\(.+\\): the listener does not seem to speak TLS; security.protocol is SSL$`));
  });

  it('a plaintext client at the SSL listener, and a TLS client without SASL at the SASL_SSL one', async () => {
    await expectOneLine(await run(SECURE.KAFKA_SSL_BROKERS, undefined), 1,
      new RegExp(`^Kafka ${SECURE.KAFKA_SSL_BROKERS}: the broker closed the connection at the first request: the listener may expect TLS \\(security.protocol SSL or SASL_SSL\\); security.protocol is PLAINTEXT$`));
    await expectOneLine(await run(SECURE.KAFKA_SASL_SSL_BROKERS, { 'security.protocol': 'SSL', 'ssl.ca.location': SECURE.KAFKA_CA_FILE }), 1,
      new RegExp(`^Kafka ${SECURE.KAFKA_SASL_SSL_BROKERS}: the broker closed the connection at the first request: the listener may expect SASL \\(security.protocol SASL_SSL\\); security.protocol is SSL$`));
  });

  it('an unknown mechanism (refused before connecting), and one the listener does not enable', async () => {
    const path = writeProperties(dir, 'gssapi.properties', { ...saslSslEntries(), 'sasl.mechanism': 'GSSAPI' });
    const r = await run(SECURE.KAFKA_SASL_SSL_BROKERS, path);
    await expectOneLine(r, 2, new RegExp(`^Kafka client configuration: ${path}:2: sasl.mechanism "GSSAPI" is not supported: use one of PLAIN, SCRAM-SHA-256, SCRAM-SHA-512, OAUTHBEARER$`));
    await expectOneLine(await run(SECURE.KAFKA_SASL_SSL_BROKERS, { ...saslSslEntries(), 'sasl.mechanism': 'SCRAM-SHA-256' }), 1,
      new RegExp(`^Kafka ${SECURE.KAFKA_SASL_SSL_BROKERS}: the listener does not enable SASL mechanism SCRAM-SHA-256 \\(The broker does not support the requested SASL mechanism\\): check sasl.mechanism$`));
  });

  it('status and rebuild check the same way', async () => {
    const path = writeProperties(dir, 'wrong.properties', { ...saslSslEntries(), 'sasl.password': `\${file:${join(dir, 'wrong.password')}}` });
    const cases: Array<[string[], string]> = [[['status', '--config', 'projections'], 'sc-project status: '], [['rebuild', 'user-cards', '--config', 'projections'], 'sc-project rebuild: ']];
    for (const [args, prefix] of cases) {
      const r = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
        execFile(process.execPath, [BIN, ...args, '--database-url', db.url, '--brokers', SECURE.KAFKA_SASL_SSL_BROKERS, '--kafka-config', path], { cwd: ROOT, timeout: 60_000 }, (err, _o, stderr) => {
          resolve({ code: err === null ? 0 : typeof err.code === 'number' ? err.code : null, stderr });
        });
      });
      expect(r.stderr, args[0]).toBe(`${prefix}Kafka ${SECURE.KAFKA_SASL_SSL_BROKERS}: SASL authentication failed for ${SECURE.KAFKA_SCRAM_USERNAME} (SCRAM-SHA-512): wrong name or password, or no such SASL login (SASL SCRAM SHA512 authentication failed: Authentication failed during authentication due to invalid credentials with SASL mechanism SCRAM-SHA-512)\n`);
      expect(r.code).toBe(1);
    }
  });
});
