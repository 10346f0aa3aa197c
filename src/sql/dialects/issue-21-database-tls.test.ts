/**
 * Database TLS from the URL (issue 21): each server's own option names, verification on unless
 * turned off, a silent fallback to plaintext refused, misspelt options refused, files read once by
 * the connection with errors that name the option, and failures with a hint that names the cause.
 */
import { describe, expect, it } from 'vitest';
import { mysqlConnectionOptions } from './mysql/connect.js';
import { parseMysqlUrl } from './mysql/url.js';
import { parsePostgresUrl } from './postgres/url.js';
import { atServer } from './server.js';
import { describeTls, nodeTlsOptions } from './tls.js';

const my = (q: string) => parseMysqlUrl(`mysql://a:b@db.example:3306/d${q}`).tls;
const pg = (q: string) => parsePostgresUrl(`postgres://a:b@db.example:5432/d${q}`).tls;

describe('MariaDB URL TLS options', () => {
  it('is off without options, and each ssl-mode maps to what is verified', () => {
    expect(my('')).toBeNull();
    expect(my('?ssl-mode=DISABLED')).toBeNull();
    expect(my('?ssl-mode=REQUIRED')).toEqual({ verify: 'none' });
    expect(my('?ssl-mode=verify_ca&ssl-ca=/ca.pem')).toEqual({ verify: 'chain', ca: '/ca.pem' });
    expect(my('?ssl-mode=VERIFY_IDENTITY')).toEqual({ verify: 'full' });
  });
  it('verifies by default when TLS is asked for without a mode', () => {
    expect(my('?ssl=true')).toEqual({ verify: 'full' });
    expect(my('?ssl-ca=/ca.pem')).toEqual({ verify: 'full', ca: '/ca.pem' });
    expect(my('?ssl-ca=/ca.pem&ssl-cert=/c.pem&ssl-key=/k.pem')).toEqual({ verify: 'full', ca: '/ca.pem', cert: '/c.pem', key: '/k.pem' });
    expect(my('?ssl=false')).toBeNull();
  });
  it('refuses what would connect differently from what was meant', () => {
    expect(() => my('?ssl-mode=PREFERRED')).toThrow("database URL: ssl-mode PREFERRED is not supported (it may connect without TLS silently); use one of DISABLED, REQUIRED, VERIFY_CA, VERIFY_IDENTITY");
    expect(() => my('?sslmode=require')).toThrow('database URL option "sslmode" is not known; expected ssl-mode, ssl, ssl-ca, ssl-cert, ssl-key');
    expect(() => my('?ssl-mode=SOMETIMES')).toThrow(/ssl-mode "SOMETIMES" is not one of DISABLED, REQUIRED, VERIFY_CA, VERIFY_IDENTITY/);
    expect(() => my('?ssl-mode=DISABLED&ssl-ca=/ca.pem')).toThrow('database URL: ssl-ca, ssl-cert and ssl-key need TLS, but ssl-mode or ssl turns it off');
    expect(() => my('?ssl-cert=/c.pem')).toThrow('database URL: ssl-cert needs ssl-key too (a client certificate and its key)');
    expect(() => my('?ssl=yes')).toThrow('database URL: ssl must be true or false, not "yes"');
    expect(() => my('?ssl=true&ssl-mode=REQUIRED')).toThrow('give ssl-mode or ssl, not both');
    expect(() => my('?ssl-ca=/a&ssl-ca=/b')).toThrow('database URL option ssl-ca is given twice');
  });
});

describe("MariaDB's driver options", () => {
  it('asks mysql2 for the host name check in VERIFY_IDENTITY only (it ignores checkServerIdentity)', () => {
    const ssl = (q: string) => mysqlConnectionOptions(parseMysqlUrl(`mysql://a:b@db.example:3306/d${q}`)).ssl;
    expect(ssl('?ssl-mode=VERIFY_IDENTITY')).toMatchObject({ rejectUnauthorized: true, verifyIdentity: true });
    expect(ssl('?ssl-mode=VERIFY_CA')).toMatchObject({ rejectUnauthorized: true, verifyIdentity: false });
    expect(ssl('?ssl-mode=REQUIRED')).toMatchObject({ rejectUnauthorized: false, verifyIdentity: false });
    expect(ssl('')).toBeUndefined();
  });
});

describe('PostgreSQL URL TLS options (libpq words)', () => {
  it('maps sslmode as libpq does, require with a root certificate checking the chain', () => {
    expect(pg('')).toBeNull();
    expect(pg('?sslmode=disable')).toBeNull();
    expect(pg('?sslmode=require')).toEqual({ verify: 'none' });
    expect(pg('?sslmode=require&sslrootcert=/ca.pem')).toEqual({ verify: 'chain', ca: '/ca.pem' });
    expect(pg('?sslmode=verify-ca&sslrootcert=/ca.pem')).toEqual({ verify: 'chain', ca: '/ca.pem' });
    expect(pg('?sslmode=verify-full&sslrootcert=system')).toEqual({ verify: 'full' });
    expect(pg('?sslrootcert=/ca.pem&sslcert=/c.pem&sslkey=/k.pem')).toEqual({ verify: 'full', ca: '/ca.pem', cert: '/c.pem', key: '/k.pem' });
    expect(pg('?ssl=true')).toEqual({ verify: 'full' });
  });
  it('refuses the modes that may fall back to plaintext, and unknown options', () => {
    expect(() => pg('?sslmode=prefer')).toThrow(/sslmode prefer is not supported/);
    expect(() => pg('?sslmode=allow')).toThrow(/sslmode allow is not supported/);
    expect(() => pg('?ssl-mode=REQUIRED')).toThrow('database URL option "ssl-mode" is not known; expected sslmode, ssl, sslrootcert, sslcert, sslkey');
    expect(() => pg('?sslkey=/k.pem&sslmode=require')).toThrow('database URL: sslkey needs sslcert too');
  });
});

describe('Node TLS options from a setting', () => {
  const files = new Map([['/ca.pem', Buffer.from('CA')], ['/c.pem', Buffer.from('C')], ['/k.pem', Buffer.from('K')]]);
  const read = (p: string): Buffer => {
    const b = files.get(p);
    if (b === undefined) throw Object.assign(new Error(`ENOENT: ${p}`), { code: 'ENOENT' });
    return b;
  };
  const names = { ca: 'ssl-ca', cert: 'ssl-cert', key: 'ssl-key' };
  it('rejects unauthorized servers unless the mode says not to verify; the chain alone skips the host name', () => {
    expect(nodeTlsOptions({ verify: 'full', ca: '/ca.pem' }, read, names)).toEqual({ rejectUnauthorized: true, ca: Buffer.from('CA') });
    expect(nodeTlsOptions({ verify: 'none' }, read, names)).toEqual({ rejectUnauthorized: false });
    const chain = nodeTlsOptions({ verify: 'chain', cert: '/c.pem', key: '/k.pem' }, read, names);
    expect(chain).toMatchObject({ rejectUnauthorized: true, cert: Buffer.from('C'), key: Buffer.from('K') });
    expect(chain.checkServerIdentity?.()).toBeUndefined();
  });
  it('names the option and the path of a file it cannot read', () => {
    expect(() => nodeTlsOptions({ verify: 'full', ca: '/missing.pem' }, read, names)).toThrow('database URL: cannot read ssl-ca /missing.pem (ENOENT)');
  });
  it('describes the connection and warns when the server is not verified', () => {
    expect(describeTls(null)).toEqual({ description: 'no TLS' });
    expect(describeTls({ verify: 'full' })).toEqual({ description: 'TLS, certificate and host name verified' });
    expect(describeTls({ verify: 'none' }).warning).toMatch(/does not verify the server's certificate/);
  });
});

describe('connection failures name the cause', () => {
  const target = { host: 'db.example', port: 3306, login: 'app' };
  const failure = (message: string, extra: Record<string, unknown>): string => (atServer(Object.assign(new Error(message), extra), target) as Error).message;
  it('an untrusted certificate, by Node code or by the message mysql2 keeps', () => {
    expect(failure('self-signed certificate in certificate chain', { code: 'SELF_SIGNED_CERT_IN_CHAIN' }))
      .toBe("cannot connect to the database at db.example:3306 (login app): self-signed certificate in certificate chain (the server's certificate is not signed by a CA this client trusts: give the CA in the URL (ssl-ca=, sslrootcert=))");
    expect(failure('unable to get local issuer certificate', { code: 'HANDSHAKE_SSL_ERROR' })).toMatch(/not signed by a CA this client trusts/);
    expect(failure("Hostname/IP does not match certificate's altnames: Host: db.example. is not in the cert's altnames: DNS:other", { code: 'HANDSHAKE_SSL_ERROR' })).toMatch(/not issued to this host name/);
  });
  it("MariaDB's access denied over plaintext says a login may require TLS; with TLS it does not", () => {
    const denied = { errno: 1045, code: 'ER_ACCESS_DENIED_ERROR' };
    expect((atServer(Object.assign(new Error('Access denied'), denied), { ...target, tls: null }) as Error).message).toMatch(/a login that requires TLS/);
    expect((atServer(Object.assign(new Error('Access denied'), denied), { ...target, tls: { verify: 'full' } }) as Error).message).toBe('cannot connect to the database at db.example:3306 (login app): Access denied');
  });
});
