/**
 * Where the registry is and its credentials (issue 22): from the environment only, the URL shown
 * without credentials, basic auth from the URL, SCHEMA_REGISTRY_USER_INFO or its file, a CA file
 * only for https, and every secret hidden from every output.
 */
import { describe, expect, it } from 'vitest';
import { redactUrls } from '../../redact.js';
import { registrySettings } from './settings.js';

const files: Record<string, string> = { '/run/secrets/sr': 'reader:s3cret-file\n', '/ca.pem': 'PEM' };
const read = (p: string): string => {
  const f = files[p];
  if (f === undefined) throw new Error(`cannot read ${p}`);
  return f;
};

describe('registrySettings', () => {
  it('is none without SCHEMA_REGISTRY_URL', () => {
    expect(registrySettings({}, read)).toBeUndefined();
  });

  it('takes the URL without a trailing slash, and no credentials', () => {
    expect(registrySettings({ SCHEMA_REGISTRY_URL: 'http://127.0.0.1:8085/apis/ccompat/v7/' }, read)).toEqual({ url: 'http://127.0.0.1:8085/apis/ccompat/v7' });
  });

  it('moves credentials in the URL to basic auth, hidden from every output', () => {
    const s = registrySettings({ SCHEMA_REGISTRY_URL: 'https://svc:p%40ss-in-url@sr.example:8081' }, read);
    expect(s?.url).toBe('https://sr.example:8081');
    expect(s?.authorization).toBe(`Basic ${Buffer.from('svc:p@ss-in-url').toString('base64')}`);
    expect(redactUrls(`answer p@ss-in-url ${s?.authorization ?? ''}`)).toBe('answer *** ***');
  });

  it('takes user:password from SCHEMA_REGISTRY_USER_INFO or, first, its file', () => {
    expect(registrySettings({ SCHEMA_REGISTRY_URL: 'https://sr', SCHEMA_REGISTRY_USER_INFO: 'u:env-secret' }, read)?.authorization).toBe(`Basic ${Buffer.from('u:env-secret').toString('base64')}`);
    expect(registrySettings({ SCHEMA_REGISTRY_URL: 'https://sr', SCHEMA_REGISTRY_USER_INFO: 'u:x', SCHEMA_REGISTRY_USER_INFO_FILE: '/run/secrets/sr' }, read)?.authorization).toBe(`Basic ${Buffer.from('reader:s3cret-file').toString('base64')}`);
    expect(redactUrls('s3cret-file')).toBe('***');
  });

  it('reads a CA file for https only, and refuses what is not a usable registry URL', () => {
    expect(registrySettings({ SCHEMA_REGISTRY_URL: 'https://sr', SCHEMA_REGISTRY_CA_FILE: '/ca.pem' }, read)?.ca).toBe('PEM');
    expect(() => registrySettings({ SCHEMA_REGISTRY_URL: 'http://sr', SCHEMA_REGISTRY_CA_FILE: '/ca.pem' }, read)).toThrow(/not https/u);
    expect(() => registrySettings({ SCHEMA_REGISTRY_URL: 'sr:8081' }, read)).toThrow(/http:\/\/ or https:\/\//u);
    expect(() => registrySettings({ SCHEMA_REGISTRY_URL: 'http://sr', SCHEMA_REGISTRY_USER_INFO: 'nocolon' }, read)).toThrow(/name:password/u);
  });
});
