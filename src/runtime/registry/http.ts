/**
 * GET requests to the schema registry over node:http / node:https, so that a CA file can be given
 * (the global fetch takes no CA without undici's Agent). `https://` verifies the certificate and
 * the host name by default (Node's rejectUnauthorized). A request that takes longer than
 * `timeoutMs` fails like a refused connection: the registry is not answering.
 */
import http from 'node:http';
import https from 'node:https';
import type { RegistrySettings } from './settings.js';

export interface RegistryAnswer {
  status: number;
  body: string;
}

/** GET `path` (e.g. /schemas/ids/7) under the registry's URL. Rejects when nothing answers. */
export type RegistryTransport = (path: string) => Promise<RegistryAnswer>;

/** Bigger than any schema: a registry answering more is not one. */
const MAX_BODY = 16 * 1024 * 1024;

export function httpTransport(s: RegistrySettings, timeoutMs = 10_000): RegistryTransport {
  const base = new URL(s.url);
  const client = base.protocol === 'https:' ? https : http;
  return (path) => new Promise<RegistryAnswer>((resolve, reject) => {
    const headers: Record<string, string> = { accept: 'application/vnd.schemaregistry.v1+json, application/json' };
    if (s.authorization !== undefined) headers.authorization = s.authorization;
    const req = client.request(new URL(`${base.pathname.replace(/\/$/u, '')}${path}`, base), { method: 'GET', headers, timeout: timeoutMs, ...(s.ca !== undefined ? { ca: s.ca } : {}) }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size > MAX_BODY) req.destroy(new Error(`the answer is longer than ${MAX_BODY} bytes`));
        else chunks.push(c);
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(Object.assign(new Error(`no answer within ${timeoutMs} ms`), { code: 'ETIMEDOUT' })));
    req.on('error', reject);
    req.end();
  });
}
