/**
 * Issue 21: a database password need not be in the URL a command line or a plain environment
 * variable shows. DATABASE_URL_FILE and DATABASE_PASSWORD(_FILE) as container secrets hand them
 * over; the password is hidden from every output after.
 */
import { describe, expect, it } from 'vitest';
import { redactUrls } from '../redact.js';
import { resolveDatabaseUrl } from './database.js';

const files: Record<string, string> = { '/run/secrets/url': 'mysql://app:Url-pass-1@db:3306/x\n', '/run/secrets/pw': 'p@ss/w0rd:1\n' };
const read = (p: string): string => {
  const f = files[p];
  if (f === undefined) throw Object.assign(new Error('nope'), { code: 'ENOENT' });
  return f;
};

describe('resolveDatabaseUrl', () => {
  it('takes the whole URL from DATABASE_URL_FILE when none is given', () => {
    expect(resolveDatabaseUrl(undefined, { DATABASE_URL_FILE: '/run/secrets/url' }, read)).toEqual({ url: 'mysql://app:Url-pass-1@db:3306/x' });
    expect(resolveDatabaseUrl('sqlite:./a.db', { DATABASE_URL_FILE: '/run/secrets/url' }, read)).toEqual({ url: 'sqlite:./a.db' });
  });
  it('adds DATABASE_PASSWORD_FILE (or DATABASE_PASSWORD) to a server URL without one, percent-encoded', () => {
    const r = resolveDatabaseUrl('postgres://app@db:5432/x?sslmode=verify-full', { DATABASE_PASSWORD_FILE: '/run/secrets/pw', DATABASE_PASSWORD: 'ignored' }, read);
    expect(r).toEqual({ url: 'postgres://app:p%40ss%2Fw0rd%3A1@db:5432/x?sslmode=verify-full' });
    expect(resolveDatabaseUrl('mysql://app@db/x', { DATABASE_PASSWORD: 'Env-pass-2' }, read)).toEqual({ url: 'mysql://app:Env-pass-2@db/x' });
    expect(resolveDatabaseUrl('mysql://app:given@db/x', { DATABASE_PASSWORD: 'Env-pass-2' }, read)).toEqual({ url: 'mysql://app:given@db/x' });
  });
  it('names the variable and the path of a file it cannot read', () => {
    expect(resolveDatabaseUrl(undefined, { DATABASE_URL_FILE: '/missing' }, read)).toEqual({ error: 'DATABASE_URL_FILE: cannot read /missing (ENOENT)' });
    expect(resolveDatabaseUrl('mysql://app@db/x', { DATABASE_PASSWORD_FILE: '/missing' }, read)).toEqual({ error: 'DATABASE_PASSWORD_FILE: cannot read /missing (ENOENT)' });
  });
  it('hides the password from every output after, also where a driver quotes it without the URL', () => {
    resolveDatabaseUrl('postgres://app@db:5432/x', { DATABASE_PASSWORD_FILE: '/run/secrets/pw' }, read);
    expect(redactUrls('auth failed with p@ss/w0rd:1')).toBe('auth failed with ***');
  });
});
