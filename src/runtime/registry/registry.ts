/**
 * The schema registry client (Confluent's API: https://docs.confluent.io/platform/current/schema-registry/develop/api.html).
 * A schema is fetched by id (`GET /schemas/ids/{id}`, its references by `GET
 * /subjects/{subject}/versions/{version}`, transitively), its reader built once with the schema
 * type's factory and kept: an id's schema never changes. Fetches run before a batch is decoded,
 * a few at a time, one request per id however many groups ask.
 *
 * What an answer means:
 * - an id (or a reference) the registry says it does not know (404 with Confluent's "not found"
 *   error codes), or a schema no reader can be built from: the id's messages are dead letters
 *   with that reason;
 * - no answer (refused, timeout), 5xx, 401/403 or a 404 that is not the registry's own "not
 *   found" (a wrong base URL): an OUTAGE. The batch waits, retried with backoff (consumption
 *   paused, nothing applied, dead-lettered or skipped), the logs and /readyz say so, and it
 *   resumes by itself once the registry answers.
 */
import { schemaTypeName, type FetchHooks, type SchemaLookup, type SchemaSource, type SchemaTypeName } from '../apply/formats/index.js';
import type { ReaderFactory } from '../apply/formats/schema-reader.js';
import { backoffDelay, type Backoff } from '../commit/retry.js';
import { pause, SYSTEM_CLOCK, type Clock } from '../commit/retrying.js';
import type { Logger } from '../ops/log.js';
import type { RegistryAnswer, RegistryTransport } from './http.js';

/**
 * Readers by the registry's `schemaType` (absent means AVRO), as formats/index.ts's REGISTRY_FORMATS
 * names them. Loaded when a schema of the type is first built: avsc and protobufjs are ~12 MB of
 * a process that reads no registry format (measured: Social Commerce's peak RSS draining 1M).
 */
export const READER_FACTORIES: Readonly<Record<SchemaTypeName, () => Promise<ReaderFactory>>> = {
  AVRO: async () => (await import('../apply/formats/avro.js')).avroFactory,
  PROTOBUF: async () => (await import('../apply/formats/protobuf.js')).protobufReader,
  JSON: async () => (await import('../apply/formats/json-schema.js')).jsonSchemaReader,
};

/** The reader factory of a schema type, or undefined for a type this build does not read. */
export async function readerFactory(type: string): Promise<ReaderFactory | undefined> {
  const load = (READER_FACTORIES as Readonly<Record<string, (() => Promise<ReaderFactory>) | undefined>>)[type];
  return load === undefined ? undefined : load();
}

/** Confluent's error codes of a 404 that is the registry's answer (subject, version, schema not found). */
const NOT_FOUND_CODES = new Set([40401, 40402, 40403]);

export class RegistryUnavailable extends Error {}

export interface RegistryOutage {
  /** ms epoch */
  since: number;
  /** The registry without credentials. */
  registry: string;
  cause: string;
}

export interface RegistryOptions {
  transport: RegistryTransport;
  /** The registry as logs and readiness name it (never with credentials). */
  display: string;
  log: Logger;
  factories?: Readonly<Record<string, ReaderFactory>>;
  backoff?: Backoff;
  clock?: Clock;
  /** At most this many requests at once (default 4). */
  parallel?: number;
  /**
   * How long an id the registry did not know is answered from memory (default 60 s): a schema
   * registered on the primary may reach the replica this run asks a moment later, so records of
   * that id stop being dead letters within a minute rather than for the rest of the run.
   */
  unknownTtlMs?: number;
}

interface Reference {
  name: string;
  subject: string;
  version: number;
}

interface RegistrySchema {
  schema: string;
  schemaType?: string;
  references?: Reference[];
}

export class SchemaRegistry implements SchemaSource {
  private readonly known = new Map<number, SchemaLookup>();
  private readonly inflight = new Map<number, Promise<void>>();
  /** When each id the registry did not know was last asked for (its answer's age). */
  private readonly unknownAt = new Map<number, number>();
  private down: RegistryOutage | undefined;

  constructor(private readonly o: RegistryOptions) {}

  lookup(id: number): SchemaLookup | undefined {
    return this.known.get(id);
  }

  stale(id: number): boolean {
    const at = this.unknownAt.get(id);
    return at !== undefined && (this.o.clock ?? SYSTEM_CLOCK).now() - at >= (this.o.unknownTtlMs ?? 60_000);
  }

  /** Since when, and why, the registry has not answered; undefined while it answers. */
  outage(): RegistryOutage | undefined {
    return this.down;
  }

  async fetch(ids: number[], hooks: FetchHooks): Promise<void> {
    const clock = this.o.clock ?? SYSTEM_CLOCK;
    for (let attempt = 0; ; attempt++) {
      try {
        await this.fetchAll(ids);
        if (this.down !== undefined) {
          this.o.log.info('schema registry answers again, consuming', { registry: this.o.display, down_s: Math.round((clock.now() - this.down.since) / 100) / 10 });
          this.down = undefined;
        }
        return;
      } catch (e) {
        if (!(e instanceof RegistryUnavailable)) throw e;
        this.down = { since: this.down?.since ?? clock.now(), registry: this.o.display, cause: e.message };
        const delay = backoffDelay(attempt, this.o.backoff ?? { initialMs: 200, maxMs: 10_000 });
        this.o.log.warn('schema registry unavailable: consumption paused, retrying', { registry: this.o.display, error: e.message, attempt: attempt + 1, delay_ms: delay });
        await pause(delay, hooks, clock);
      }
    }
  }

  private async fetchAll(ids: number[]): Promise<void> {
    // A stale answer stays in place while it is asked again: a batch decoding now still finds it.
    const queue = ids.filter((id) => !this.known.has(id) || this.stale(id));
    const worker = async (): Promise<void> => {
      for (let id = queue.shift(); id !== undefined; id = queue.shift()) await this.one(id);
    };
    await Promise.all(Array.from({ length: Math.min(this.o.parallel ?? 4, queue.length) }, worker));
  }

  /** One request per id at a time, whoever asks (groups of one run share the registry). */
  private one(id: number): Promise<void> {
    const running = this.inflight.get(id);
    if (running !== undefined) return running;
    const p = this.load(id).finally(() => this.inflight.delete(id));
    this.inflight.set(id, p);
    return p;
  }

  private async load(id: number): Promise<void> {
    const answer = await this.get(`/schemas/ids/${id}`);
    if (answer === undefined) {
      this.known.set(id, { reason: `schema id ${id} is not in the schema registry` });
      this.unknownAt.set(id, (this.o.clock ?? SYSTEM_CLOCK).now());
      return;
    }
    this.unknownAt.delete(id);
    const what = `schema id ${id}`;
    const s = schemaOf(answer, what);
    const references = new Map<string, string>();
    const missing = await this.references(s.references ?? [], references, new Set());
    if (missing !== undefined) {
      this.known.set(id, { reason: `${what} cannot be used: its reference ${missing} is not in the schema registry` });
      return;
    }
    const type = s.schemaType ?? 'AVRO';
    const factory = this.o.factories !== undefined ? this.o.factories[type] : await readerFactory(type);
    if (factory === undefined) {
      this.known.set(id, { reason: `${what} is ${schemaTypeName(type)}, which this build does not read` });
      return;
    }
    try {
      this.known.set(id, { reader: factory(s.schema, references), schemaType: type });
    } catch (e) {
      this.known.set(id, { reason: `${what} cannot be used: ${e instanceof Error ? e.message : String(e)}` });
    }
  }

  /**
   * The references' schemas into `out` by name, each after the ones it references (a reader's
   * factory parses them in that sequence); the first one the registry does not know, if any.
   */
  private async references(refs: Reference[], out: Map<string, string>, seen: Set<string>): Promise<string | undefined> {
    for (const r of refs) {
      const at = `${r.subject} version ${r.version}`;
      if (seen.has(at)) continue;
      seen.add(at);
      const answer = await this.get(`/subjects/${encodeURIComponent(r.subject)}/versions/${encodeURIComponent(String(r.version))}`);
      if (answer === undefined) return `${r.name} (${at})`;
      const s = schemaOf(answer, `reference ${r.name}`);
      const missing = await this.references(s.references ?? [], out, seen);
      if (missing !== undefined) return missing;
      out.set(r.name, s.schema);
    }
    return undefined;
  }

  /** The 200 answer; undefined for the registry's own "not found"; RegistryUnavailable otherwise. */
  private async get(path: string): Promise<RegistryAnswer | undefined> {
    let a: RegistryAnswer;
    try {
      a = await this.o.transport(path);
    } catch (e) {
      throw new RegistryUnavailable(`${this.o.display} does not answer: ${e instanceof Error ? e.message : String(e)}`);
    }
    if (a.status === 200) return a;
    if (a.status === 404 && NOT_FOUND_CODES.has(errorCode(a.body) ?? 0)) return undefined;
    throw new RegistryUnavailable(`${this.o.display} answered HTTP ${a.status} to GET ${path}${a.status === 404 ? ' without a schema registry error code (is the URL the registry\'s API?)' : ''}`);
  }
}

function errorCode(body: string): number | undefined {
  try {
    const v = JSON.parse(body) as { error_code?: unknown };
    return typeof v.error_code === 'number' ? v.error_code : undefined;
  } catch {
    return undefined;
  }
}

/** A 200 answer that is no schema is a registry (or proxy) gone wrong: an outage, not data. */
function schemaOf(a: RegistryAnswer, what: string): RegistrySchema {
  let v: unknown;
  try {
    v = JSON.parse(a.body);
  } catch {
    throw new RegistryUnavailable(`the schema registry's answer for ${what} is not JSON`);
  }
  const s = v as Partial<RegistrySchema> | null;
  if (s === null || typeof s !== 'object' || typeof s.schema !== 'string') throw new RegistryUnavailable(`the schema registry's answer for ${what} holds no schema`);
  if (s.references !== undefined && !Array.isArray(s.references)) throw new RegistryUnavailable(`the schema registry's answer for ${what} has references that are not a list`);
  return { schema: s.schema, ...(typeof s.schemaType === 'string' ? { schemaType: s.schemaType } : {}), ...(s.references !== undefined ? { references: s.references } : {}) };
}
