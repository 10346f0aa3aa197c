/**
 * A real HTTP endpoint on 127.0.0.1 for HTTP output tests (node:http): it answers each request
 * by a script of faults (status, Retry-After, dropped connection, an answer slower than the
 * client's timeout), rejects a batch holding a poison record with 400, and records every body it
 * accepted (answered 2xx) by its eventId.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export type Fault = { status: number; retryAfter?: string } | { drop: true } | { slowMs: number };

export interface Accepted {
  eventId: string;
  idempotencyKey: string | undefined;
  body: string;
}

export interface AnalyticsApi {
  url: string;
  requests: number;
  accepted: Accepted[];
  /** Bodies by eventId (every accepted one, also repeats). */
  byId(): Map<string, string[]>;
  /** The records of the distinct accepted batches, per list. */
  records(list: 'customers' | 'products'): Array<{ id: string }>;
  setDown(down: boolean): void;
  close(): Promise<void>;
}

export async function startAnalyticsApi(o: { faults?: Fault[]; poison?: string } = {}): Promise<AnalyticsApi> {
  const faults = [...(o.faults ?? [])];
  const accepted: Accepted[] = [];
  let down = false;
  let requests = 0;
  const server: Server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => { body += c; });
    req.on('end', () => {
      requests++;
      if (down) {
        req.socket.destroy();
        return;
      }
      const fault = faults.shift();
      if (fault !== undefined && 'drop' in fault) {
        req.socket.destroy();
        return;
      }
      if (fault !== undefined && 'status' in fault) {
        res.writeHead(fault.status, fault.retryAfter !== undefined ? { 'Retry-After': fault.retryAfter } : {});
        res.end(JSON.stringify({ error: `injected ${fault.status}` }));
        return;
      }
      const answer = () => {
        if (o.poison !== undefined && body.includes(o.poison)) {
          res.writeHead(400, { 'Content-Type': 'application/json' });
          res.end(JSON.stringify({ error: 'invalid record', id: o.poison }));
          return;
        }
        const parsed = JSON.parse(body) as { eventId: string };
        accepted.push({ eventId: parsed.eventId, idempotencyKey: req.headers['idempotency-key'] as string | undefined, body });
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.end('{"status":"ok"}');
      };
      if (fault !== undefined && 'slowMs' in fault) setTimeout(answer, fault.slowMs);
      else answer();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const byId = (): Map<string, string[]> => {
    const m = new Map<string, string[]>();
    for (const a of accepted) m.set(a.eventId, [...(m.get(a.eventId) ?? []), a.body]);
    return m;
  };
  return {
    url: `http://127.0.0.1:${port}`,
    get requests() { return requests; },
    accepted,
    byId,
    records(list) {
      const out: Array<{ id: string }> = [];
      for (const [, bodies] of byId()) out.push(...((JSON.parse(bodies[0] as string) as Record<string, Array<{ id: string }>>)[list] ?? []));
      return out;
    },
    setDown(d) { down = d; },
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}
