/**
 * Issue 18 item 6: an endpoint that answered 200 and streamed an endless body took the engine to
 * 8.7 GB RSS, since the transport read the whole answer to keep its first 4 KB. Real HTTP servers
 * on 127.0.0.1: one streaming forever (the test stops it), one that stalls after a few bytes.
 */
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { EXCERPT_BYTES, fetchTransport, type HttpRequest } from './transport.js';

const servers: Server[] = [];

afterEach(async () => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise((resolve) => s.close(resolve));
  }
});

/** A server answering every request with `answer`; resolves with its URL. */
async function serve(answer: (res: ServerResponse) => void): Promise<string> {
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => answer(res));
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/batch`;
}

const request = (url: string, timeoutMs: number): HttpRequest =>
  ({ output: 'api', url, method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"items":[]}', timeoutMs });

describe('an HTTP answer is read up to what is kept (issue 18.6)', () => {
  it('an endless 200 body: the send completes at once with a 4 KB excerpt and the connection is dropped', async () => {
    let written = 0;
    let closed = false;
    const chunk = Buffer.alloc(64 * 1024, 'x');
    const url = await serve((res) => {
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      res.on('close', () => { closed = true; });
      // As fast as the client takes it, until the connection goes away (the test bounds it).
      const pump = (): void => {
        while (!closed && written < 1024 * 1024 * 1024) {
          written += chunk.length;
          if (!res.write(chunk)) return void res.once('drain', pump);
        }
      };
      pump();
    });
    const started = Date.now();
    const res = await fetchTransport(request(url, 20_000));
    const took = Date.now() - started;
    expect(res.status).toBe(200);
    expect(Buffer.byteLength(res.excerpt)).toBeLessThanOrEqual(EXCERPT_BYTES);
    expect(res.excerpt.startsWith('xxxx')).toBe(true);
    expect(took).toBeLessThan(3_000);
    // The rest of the answer is not read: the server sees the connection close, having sent
    // no more than what socket buffers hold.
    await expect.poll(() => closed, { timeout: 3_000 }).toBe(true);
    expect(written).toBeLessThan(64 * 1024 * 1024);
  }, 30_000);

  it('a body that stalls: the timeout covers it, and the answer keeps its status and what came', async () => {
    const url = await serve((res) => {
      res.writeHead(400, { 'Content-Type': 'text/plain' });
      res.write('bad batch: ');
    });
    const started = Date.now();
    const res = await fetchTransport(request(url, 500));
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(res).toEqual({ status: 400, retryAfter: null, excerpt: 'bad batch: ' });
  }, 30_000);

  it('a short answer is read whole; a multi-byte character cut at 4 KB is left out, not mangled', async () => {
    const url = await serve((res) => {
      res.writeHead(503, { 'Retry-After': '7' });
      res.end(`${'a'.repeat(EXCERPT_BYTES - 1)}é and more`);
    });
    expect(await fetchTransport(request(url, 5_000))).toEqual({ status: 503, retryAfter: '7', excerpt: 'a'.repeat(EXCERPT_BYTES - 1) });
    const short = await serve((res) => res.end('ok'));
    expect(await fetchTransport(request(short, 5_000))).toEqual({ status: 200, retryAfter: null, excerpt: 'ok' });
  });
});
