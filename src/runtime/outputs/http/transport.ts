/**
 * How a batch goes over the wire, and the clock flushes run on: both injectable, so
 * `sc-project test` runs outputs with no network and no real time, and tests can fail sends.
 */

export interface HttpRequest {
  /** The output sending (for recording transports; not sent). */
  output: string;
  url: string;
  method: string;
  headers: Record<string, string>;
  body: string;
  timeoutMs: number;
  /** Aborted when the output stops. */
  signal?: AbortSignal;
}

export interface HttpResponse {
  status: number;
  retryAfter: string | null;
  /** The start of the response body (a few KB), for dead-letter reasons and logs. */
  excerpt: string;
}

/** Resolves with any HTTP answer; rejects on connection errors and timeouts (both retried). */
export type Transport = (req: HttpRequest) => Promise<HttpResponse>;

export interface Clock {
  now(): number;
  /** Wait; resolves early (false) when the signal aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<boolean>;
}

export const EXCERPT_BYTES = 4096;

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise((resolve) => {
      if (signal?.aborted) return resolve(false);
      const t = setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve(true);
      }, ms);
      const onAbort = () => {
        clearTimeout(t);
        resolve(false);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
    }),
};

/**
 * Node's fetch (undici keeps connections alive between batches). One timeout covers the answer's
 * headers and its body; only the first EXCERPT_BYTES of the body are read.
 */
export const fetchTransport: Transport = async (req) => {
  const timeout = AbortSignal.timeout(req.timeoutMs);
  const signal = req.signal ? AbortSignal.any([req.signal, timeout]) : timeout;
  const res = await fetch(req.url, { method: req.method, headers: req.headers, body: req.body, signal });
  return { status: res.status, retryAfter: res.headers.get('retry-after'), excerpt: await readExcerpt(res.body) };
};

/**
 * The first EXCERPT_BYTES of a body, as text. The rest is never read: the stream is cancelled,
 * which closes the connection (an endpoint streaming an endless answer took the engine to 8.7 GB
 * when the whole body was read). A body that stalls ends when the request's signal aborts (its
 * timeout or the output stopping): the status has arrived and stands, with the bytes that came.
 */
async function readExcerpt(body: ReadableStream<Uint8Array> | null): Promise<string> {
  if (body === null) return '';
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  let complete = false;
  try {
    while (size < EXCERPT_BYTES) {
      const { done, value } = await reader.read();
      if (done) {
        complete = true;
        break;
      }
      chunks.push(value);
      size += value.byteLength;
    }
  } catch {
    // Aborted mid-body: keep what came.
  }
  // A body read to its end leaves the connection reusable; otherwise drop it.
  if (!complete) void reader.cancel().catch(() => undefined);
  // stream: true leaves out a multi-byte character cut at the limit instead of mangling it.
  return new TextDecoder().decode(Buffer.concat(chunks).subarray(0, EXCERPT_BYTES), { stream: !complete });
}
