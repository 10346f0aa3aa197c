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

/** Node's fetch (undici keeps connections alive between batches). */
export const fetchTransport: Transport = async (req) => {
  const res = await fetch(req.url, { method: req.method, headers: req.headers, body: req.body, signal: req.signal ? AbortSignal.any([req.signal, AbortSignal.timeout(req.timeoutMs)]) : AbortSignal.timeout(req.timeoutMs) });
  const text = await res.text();
  return { status: res.status, retryAfter: res.headers.get('retry-after'), excerpt: text.length > EXCERPT_BYTES ? text.slice(0, EXCERPT_BYTES) : text };
};
