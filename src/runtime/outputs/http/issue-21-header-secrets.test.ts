/**
 * Issue 21: what an environment variable gives an HTTP output's header (a bearer token, Basic
 * credentials) is never printed, also when the endpoint echoes it in an answer that a log line or a
 * dead letter's reason quotes.
 */
import { describe, expect, it } from 'vitest';
import type { HttpOutputDef } from '../../../compile/plan.js';
import { redactUrls } from '../../../redact.js';
import { resolveHeaders } from './runner.js';

describe('resolveHeaders', () => {
  it('resolves the references and hides the values they bring', () => {
    const def = { name: 'api', headers: { Authorization: 'Bearer ${API_TOKEN}', 'X-Static': 'plain-value' } } as unknown as HttpOutputDef;
    expect(resolveHeaders(def, { API_TOKEN: 'tok-from-env-9' })).toEqual({ Authorization: 'Bearer tok-from-env-9', 'X-Static': 'plain-value' });
    expect(redactUrls('HTTP output api rejected batch B with status 401: {"seen":"Bearer tok-from-env-9"}')).toBe('HTTP output api rejected batch B with status 401: {"seen":"Bearer ***"}');
    expect(redactUrls('plain-value')).toBe('plain-value');
  });
});
