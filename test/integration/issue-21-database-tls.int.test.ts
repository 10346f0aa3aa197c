/**
 * Issue 21, database TLS through the real CLI against the local servers' TLS-only login (`sc_tls`:
 * MariaDB REQUIRE SSL, PostgreSQL hostssl only). Over TLS with the CA and host name verified, the
 * shipped example stream gives the same outcome as over plaintext with the other login, and the run
 * says how it connected. Each mistake is one line naming the server and the cause, exit 1, before
 * any table is created, no stack trace, no password: plaintext to a TLS-only login, a CA that did not
 * sign the server's certificate, no CA at all (the public ones do not know the test CA), a mode that
 * would fall back to plaintext, a misspelt option, a host name the certificate does not list (`127.1`
 * reaches 127.0.0.1, but is not a name in the certificate; the chain-only mode takes it).
 */
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openKnex } from '../../src/sql/connection.js';
import { BIN, ROOT } from '../helpers/runner.js';
import { SECURE_DB, onDatabase, skipWithoutSecureDatabases, withOptions } from '../helpers/secure-db.js';
import { freshDatabase, freshPostgresDatabase, skipWithout } from '../helpers/services.js';

const skip = skipWithout('DATABASE_URL', 'POSTGRES_URL') || skipWithoutSecureDatabases();

interface Outcome { code: number | null; stdout: string; stderr: string }

function cli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Outcome> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { cwd: ROOT, timeout: 120_000, env: { ...process.env, ...env } }, (err, stdout, stderr) => {
      resolve({ code: err === null ? 0 : typeof err.code === 'number' ? err.code : null, stdout, stderr });
    });
  });
}

const runFrom = (url: string): Promise<Outcome> => cli(['run', '--config', 'projections', '--from', 'examples/events.ndjson', '--database-url', url]);

async function tableCount(url: string): Promise<number> {
  const k = openKnex(url);
  try {
    const dialect = (k.client as { config: { client: string } }).config.client;
    const rows = dialect === 'pg'
      ? ((await k.raw("SELECT count(*) AS n FROM information_schema.tables WHERE table_schema = 'public'")) as { rows: Array<{ n: unknown }> }).rows
      : ((await k.raw('SELECT count(*) AS n FROM information_schema.tables WHERE table_schema = DATABASE()')) as [Array<{ n: unknown }>])[0];
    return Number(rows[0]?.n);
  } finally {
    await k.destroy();
  }
}

const SERVERS = [
  { name: 'MariaDB', fresh: () => freshDatabase('sc_tls'), tlsUrl: () => SECURE_DB.DATABASE_TLS_URL, ca: 'ssl-ca', mode: 'ssl-mode', full: 'VERIFY_IDENTITY', chain: 'VERIFY_CA', fallback: 'PREFERRED', plaintextDenied: /Access denied for user 'sc_tls'.*\(a wrong password, or a login that requires TLS/ },
  { name: 'PostgreSQL', fresh: () => freshPostgresDatabase('sc_tls'), tlsUrl: () => SECURE_DB.POSTGRES_TLS_URL, ca: 'sslrootcert', mode: 'sslmode', full: 'verify-full', chain: 'verify-ca', fallback: 'prefer', plaintextDenied: /pg_hba\.conf rejects connection for host "127\.0\.0\.1", user "sc_tls".*no encryption/ },
];

describe.skipIf(skip).each(SERVERS)('issue 21: $name over TLS', (server) => {
  const dir = mkdtempSync(join(tmpdir(), 'sc-db-tls-'));
  const otherCa = join(dir, 'other-ca.crt');
  let tls: Awaited<ReturnType<typeof freshDatabase>>;
  let plain: Awaited<ReturnType<typeof freshDatabase>>;
  let url = '';

  beforeAll(async () => {
    [tls, plain] = await Promise.all([server.fresh(), server.fresh()]);
    url = onDatabase(server.tlsUrl(), tls.name);
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'other-ca.key'), '-out', otherCa, '-days', '1', '-subj', '/CN=not the test CA'], { stdio: 'ignore' });
  });

  afterAll(async () => {
    await Promise.all([tls?.drop(), plain?.drop()]);
    rmSync(dir, { recursive: true, force: true });
  });

  /** One line naming the server and the cause, exit 1, nothing created, no stack trace, no password. */
  async function expectRefused(r: Outcome, line: RegExp): Promise<void> {
    const lines = r.stderr.split('\n').filter((l) => l !== '' && !/ info {2}sc-project starting /.test(l));
    expect(lines, r.stderr).toHaveLength(1);
    expect(lines[0]).toMatch(line);
    expect(r.code).toBe(1);
    expect(r.stderr).not.toMatch(/\n\s+at |:sc@/);
    expect(await tableCount(plain.url.replace(plain.name, tls.name))).toBe(0);
  }

  it('refuses plaintext, an untrusted CA, no CA, a silent fallback and a misspelt option, each in one line', async () => {
    const at = /^sc-project run: cannot connect to the database at 127\.0\.0\.1:\d+ \(login sc_tls\): /;
    const plaintext = await runFrom(withOptions(url, {}));
    await expectRefused(plaintext, new RegExp(at.source + server.plaintextDenied.source));
    const untrusted = /self-signed certificate in certificate chain \(the server's certificate is not signed by a CA this client trusts: give the CA in the URL/;
    await expectRefused(await runFrom(withOptions(url, { [server.mode]: server.full, [server.ca]: otherCa })), new RegExp(at.source + untrusted.source));
    await expectRefused(await runFrom(withOptions(url, { [server.mode]: server.full })), new RegExp(at.source + untrusted.source));
    await expectRefused(await runFrom(withOptions(url, { [server.mode]: server.fallback })), /^sc-project run: database URL: ssl-?mode (PREFERRED|prefer) is not supported/);
    await expectRefused(await runFrom(withOptions(url, { 'ssl_mode': 'x' })), /^sc-project run: database URL option "ssl_mode" is not known; expected /);
  });

  it('checks the host name in the full mode only: 127.1 reaches the server, but the certificate names localhost and 127.0.0.1', async () => {
    const otherName = new URL(url);
    otherName.hostname = '127.1';
    const mismatch = /^sc-project run: cannot connect to the database at 127\.1:\d+ \(login sc_tls\): Hostname\/IP does not match certificate's altnames: .*\(the server's certificate is not issued to this host name/;
    await expectRefused(await runFrom(otherName.toString()), mismatch);
    const chainOnly = withOptions(otherName.toString(), { [server.mode]: server.chain, [server.ca]: new URL(url).searchParams.get(server.ca) ?? '' });
    const r = await cli(['status', '--config', 'projections', '--database-url', chainOnly]);
    expect(r.stderr).not.toMatch(/cannot connect/);
    expect(r.stdout, r.stderr).toMatch(/^group \S+: lag/m);
  });

  it('runs the example stream over verified TLS with the outcome of a plaintext run', async () => {
    const overTls = await runFrom(url);
    const overPlain = await runFrom(plain.url);
    expect(overTls.stderr).toContain('database_tls="TLS, certificate and host name verified"');
    expect(overPlain.stderr).toContain('database_tls="no TLS"');
    expect(overTls.code).toBe(3);
    expect(overTls.stdout).toBe(overPlain.stdout);
    expect(overTls.stdout).toMatch(/8 dead-lettered/);
    const status = await cli(['status', '--config', 'projections', '--database-url', url]);
    expect(status.stdout).toMatch(/\ndead letters:\n(?: {2}sc_dead_letters \(from [^)]+\): 1\n){8}/);
    expect(status.stdout).toMatch(/\nspecs vs built tables: match\n/);
  });

  it('takes the URL from DATABASE_URL_FILE, or its password from DATABASE_PASSWORD_FILE', async () => {
    await runFrom(url);
    const urlFile = join(dir, 'url');
    writeFileSync(urlFile, `${url}\n`);
    const passwordFile = join(dir, 'password');
    writeFileSync(passwordFile, `${decodeURIComponent(new URL(url).password)}\n`);
    const fromFile = await cli(['status', '--config', 'projections'], { DATABASE_URL: '', DATABASE_URL_FILE: urlFile });
    expect(fromFile.stdout, fromFile.stderr).toMatch(/specs vs built tables: match/);
    const noPassword = new URL(url);
    noPassword.password = '';
    const withPasswordFile = await cli(['status', '--config', 'projections', '--database-url', noPassword.toString()], { DATABASE_PASSWORD_FILE: passwordFile });
    expect(withPasswordFile.stdout, withPasswordFile.stderr).toMatch(/specs vs built tables: match/);
  });
});
