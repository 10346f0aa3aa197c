/**
 * Issue 21, SASL/OAUTHBEARER against the local broker's OAUTH listener (scripts/services.sh: Kafka's
 * unsecured validator, which takes unsigned JWTs with sub and exp, and ends a session when its
 * token expires). A run whose first token lives 20 s keeps consuming past that because it reads the
 * refreshed token file before the broker's session ends (re-authentication, KIP-368); tokens that
 * cannot work (expired, refused by the broker, a failing command) are one line at start-up, exit 1,
 * no retry loop, no token in any output. A token printed by a command works too.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Plan } from '../../src/compile/plan.js';
import { createLogger } from '../../src/runtime/ops/log.js';
import { createRuntime } from '../../src/runtime/runtime.js';
import { loadKafkaSecurity } from '../../src/runtime/sources/kafka/security/load.js';
import { validatePaths } from '../../src/validate/index.js';
import { createTopics, deleteTopics, diffTables, isolatedSpecs, kafka, publish, readExpected, readNdjsonFile, waitDrained } from '../helpers/e2e.js';
import { BIN, ROOT } from '../helpers/runner.js';
import { SECURE, skipWithoutSecureKafka, writeProperties } from '../helpers/secure-kafka.js';
import { freshDatabase, skipWithout, uniqueName } from '../helpers/services.js';

const skip = skipWithout('DATABASE_URL', 'KAFKA_BROKERS') || skipWithoutSecureKafka();
const expected = readExpected('test/fixtures/examples.expected.yaml');

/** An unsigned JWT as Kafka's unsecured validator takes it, expiring in `seconds`. */
function token(seconds: number): string {
  const now = Math.floor(Date.now() / 1000);
  const part = (o: object): string => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${part({ alg: 'none' })}.${part({ sub: 'sc-oauth-test', iat: now, exp: now + seconds })}.`;
}

describe.skipIf(skip)('issue 21: OAUTHBEARER', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sc-oauth-'));
  const tokenFile = join(dir, 'token');
  const writeToken = (t: string): void => {
    // As an agent does: a new file moved into place, never a half-written one.
    writeFileSync(`${tokenFile}.new`, `${t}\n`);
    renameSync(`${tokenFile}.new`, tokenFile);
  };
  const oauth = (o: Record<string, string>): Record<string, string> => ({ 'security.protocol': 'SASL_PLAINTEXT', 'sasl.mechanism': 'OAUTHBEARER', ...o });
  let db: Awaited<ReturnType<typeof freshDatabase>>;

  beforeAll(async () => {
    db = await freshDatabase('sc_oauth');
  });
  afterAll(async () => {
    await db?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  function run(settings: Record<string, string>): Promise<{ code: number | null; stderr: string; ms: number }> {
    const path = writeProperties(dir, `c-${Math.random().toString(36).slice(2)}.properties`, settings);
    const started = Date.now();
    return new Promise((resolve) => {
      execFile(process.execPath, [BIN, 'run', '--config', 'projections', '--database-url', db.url, '--brokers', SECURE.KAFKA_OAUTH_BROKERS, '--kafka-config', path], { cwd: ROOT, timeout: 90_000 }, (err, _o, stderr) => {
        resolve({ code: err === null ? 0 : typeof err.code === 'number' ? err.code : null, stderr, ms: Date.now() - started });
      });
    });
  }

  function expectOneLine(r: { code: number | null; stderr: string; ms: number }, line: RegExp): void {
    const rest = r.stderr.split('\n').filter((l) => l !== '' && !/ info {2}sc-project starting /.test(l));
    expect(rest, r.stderr).toHaveLength(1);
    expect(rest[0]).toMatch(line);
    expect(r.code).toBe(1);
    expect(r.ms).toBeLessThan(20_000);
    expect(r.stderr).not.toMatch(/\n\s+at |eyJ/);
  }

  it('refuses an expired token, one the broker rejects, and a failing command, each in one line', async () => {
    const at = `^Kafka ${SECURE.KAFKA_OAUTH_BROKERS}: `;
    writeToken(token(-60));
    expectOneLine(await run(oauth({ 'sasl.oauthbearer.token.location': tokenFile })), new RegExp(`${at}.*:3: the OAUTHBEARER token \\(sasl.oauthbearer.token.location\\) expired at .*: refresh it$`));
    writeToken('not-a-jwt');
    expectOneLine(await run(oauth({ 'sasl.oauthbearer.token.location': tokenFile })), new RegExp(`${at}SASL authentication failed \\(OAUTHBEARER\\): the broker ${SECURE.KAFKA_OAUTH_BROKERS} refused the token: \\{"status":"invalid_token"\\}$`));
    expectOneLine(await run(oauth({ 'sasl.oauthbearer.token.command': 'echo "not logged in" >&2; exit 3' })), new RegExp(`${at}.*:3: sasl.oauthbearer.token.command: the command failed: exited with 3: not logged in$`));
  });

  it('keeps consuming past its first token\'s expiry by re-reading the refreshed file', async () => {
    const prefix = `${uniqueName('oauth')}.`;
    const specs = isolatedSpecs('projections', prefix, `-${prefix.slice(0, -1)}`);
    const plan = validatePaths([specs]).plan as Plan;
    const topics = [...new Set(plan.groups.flatMap((g) => g.topics))];
    const admin = kafka(SECURE.KAFKA_BROKERS);
    await createTopics(admin, topics);
    const messages = readNdjsonFile('test/fixtures/examples.ndjson');
    const half = Math.floor(messages.length / 2);
    writeToken(token(20));
    const loaded = loadKafkaSecurity({ configPath: writeProperties(dir, 'refresh.properties', oauth({ 'sasl.oauthbearer.token.location': tokenFile })), env: {} });
    if (!('security' in loaded)) throw new Error(loaded.errors.join('\n'));
    const lines: string[] = [];
    const rt = await createRuntime({ plan, databaseUrl: db.url, brokers: [SECURE.KAFKA_OAUTH_BROKERS], kafkaSecurity: loaded.security, logger: createLogger('json', (l) => lines.push(l)), statsInterval: 0 });
    try {
      await publish(admin, messages.slice(0, half), prefix);
      await rt.start();
      // The agent refreshes the token well before the first one expires.
      writeToken(token(600));
      await new Promise((r) => setTimeout(r, 25_000));
      await publish(admin, messages.slice(half), prefix);
      await waitDrained(admin, db.url, plan);
      expect(await diffTables(db.url, plan, expected)).toEqual([]);
      expect(lines.filter((l) => /"level":"error"/.test(l))).toEqual([]);
    } finally {
      await rt.stop();
      await deleteTopics(admin, prefix);
      rmSync(specs, { recursive: true, force: true });
    }
    const starting = lines.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.msg === 'sc-project starting');
    expect(starting?.kafka_security).toBe(`SASL_PLAINTEXT, OAUTHBEARER token from ${tokenFile}`);
    expect(lines.join('\n')).not.toContain('eyJ');
  }, 120_000);
});
