/**
 * Avro data (the body of a registry wire-format record) read into values that look like the same
 * event's JSON to paths, so specs stay the same whatever the topic's format:
 * - `decimal` (bytes or fixed) becomes an exact decimal (ExactNumber: stored as written, never
 *   rounded through a double); a `long` beyond 2^53 one too, others a number;
 * - `timestamp-millis` / `-micros` become ISO-8601 UTC datetimes (micros keep 6 digits),
 *   `local-timestamp-*` the same without the zone, `date` `YYYY-MM-DD`, `time-*` `HH:MM:SS.fff`;
 * - a union becomes its value (the branch is not visible), `bytes` and `fixed` base64, an enum its
 *   symbol, a map an object, a record an object of its fields.
 * Decoding is avsc's (https://github.com/mtth/avsc); the conversion is compiled once per schema
 * and skips every part of a value that needs none, so a flat record costs avsc's decode alone.
 */
import avro from 'avsc';
import { ExactNumber } from '../../../compile/exact-number.js';
import type { ReaderFactory } from './schema-reader.js';

type Convert = (v: unknown) => unknown;

/** The high 32 bits of a long whose value a double holds exactly (|v| < 2^53). */
const SAFE_HIGH = 2 ** 21;

/** Longs as numbers while exact, else as exact decimals (avsc's default would round them). */
const EXACT_LONG = avro.types.LongType.__with({
  fromBuffer: (buf: Buffer): number | ExactNumber => {
    const high = buf.readInt32LE(4);
    // Two 32-bit reads on the common path; a BigInt only for the rare long beyond 2^53.
    if (high > -SAFE_HIGH && high < SAFE_HIGH) return high * 2 ** 32 + buf.readUInt32LE(0);
    return new ExactNumber(buf.readBigInt64LE().toString());
  },
  toBuffer: (n: number | ExactNumber): Buffer => {
    const buf = Buffer.alloc(8);
    buf.writeBigInt64LE(BigInt(typeof n === 'number' ? n : n.text));
    return buf;
  },
  fromJSON: (n: number): number => n,
  toJSON: (n: number | ExactNumber): number => (typeof n === 'number' ? n : Number(n.text)),
  isValid: (n: unknown): boolean => typeof n === 'number' || n instanceof ExactNumber,
  compare: (a: number, b: number): number => (a === b ? 0 : a < b ? -1 : 1),
});

/** The unscaled two's-complement big-endian integer of a decimal, written with its scale. */
export function decimalText(bytes: Buffer, scale: number): string {
  // Up to 6 bytes (48 bits) a double holds the integer exactly: no BigInt on the common path.
  if (bytes.length <= 6) {
    const n = bytes.length === 0 ? 0 : bytes.readIntBE(0, bytes.length);
    const digits = String(Math.abs(n)).padStart(scale + 1, '0');
    const text = scale === 0 ? digits : `${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
    return n < 0 ? `-${text}` : text;
  }
  let n = 0n;
  for (const b of bytes) n = (n << 8n) | BigInt(b);
  if (bytes.length > 0 && ((bytes[0] ?? 0) & 0x80) !== 0) n -= 1n << BigInt(bytes.length * 8);
  const negative = n < 0n;
  const digits = (negative ? -n : n).toString().padStart(scale + 1, '0');
  const text = scale === 0 ? digits : `${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
  return negative ? `-${text}` : text;
}

class DecimalType extends avro.types.LogicalType {
  private readonly scale: number;
  constructor(schema: avro.Schema, opts?: unknown) {
    super(schema, opts);
    this.scale = Number((schema as { scale?: unknown }).scale ?? 0);
  }
  override _fromValue(v: Buffer): ExactNumber {
    return new ExactNumber(decimalText(v, this.scale));
  }
  override _toValue(v: ExactNumber): Buffer {
    const [whole = '0', frac = ''] = v.text.replace('-', '').split('.');
    let n = BigInt(whole + frac.padEnd(this.scale, '0').slice(0, this.scale));
    if (v.text.startsWith('-')) n = -n;
    const hex = (n < 0n ? (1n << 128n) + n : n).toString(16).padStart(32, n < 0n ? 'f' : '0');
    return Buffer.from(hex, 'hex');
  }
}

const pad = (n: number, w: number): string => String(n).padStart(w, '0');

const DAY_MS = 86_400_000;

/**
 * `new Date(ms).toISOString()`, four times faster (Date's formatting dominated decoding a record):
 * the civil date from days since the epoch (http://howardhinnant.github.io/date_algorithms.html),
 * for years 0000–9999; Date's own form beyond them.
 */
export function isoUtc(ms: number): string {
  const days = Math.floor(ms / DAY_MS);
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const month = mp < 10 ? mp + 3 : mp - 9;
  const year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  if (year < 0 || year > 9999) return new Date(ms).toISOString();
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const t = ms - days * DAY_MS;
  return `${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)}T${pad(Math.floor(t / 3_600_000), 2)}:${pad(Math.floor(t / 60_000) % 60, 2)}:${pad(Math.floor(t / 1000) % 60, 2)}.${pad(t % 1000, 3)}Z`;
}

/** A logical type over a number, read into text by `read`. */
function textOf(read: (n: number) => string): typeof avro.types.LogicalType {
  return class extends avro.types.LogicalType {
    override _fromValue(v: number | ExactNumber): string {
      return read(typeof v === 'number' ? v : Number(v.text));
    }
    override _toValue(): never {
      throw new Error('sc-project reads Avro; it does not write it');
    }
  };
}

const micros = (us: number, zone: string): string => {
  const ms = Math.floor(us / 1000);
  return `${isoUtc(ms).slice(0, -1)}${pad(((us % 1000) + 1000) % 1000, 3)}${zone}`;
};
const timeOfDay = (ms: number, extra: string): string =>
  `${pad(Math.floor(ms / 3_600_000), 2)}:${pad(Math.floor(ms / 60_000) % 60, 2)}:${pad(Math.floor(ms / 1000) % 60, 2)}.${pad(ms % 1000, 3)}${extra}`;

const LOGICAL_TYPES = {
  decimal: DecimalType,
  'timestamp-millis': textOf(isoUtc),
  'timestamp-micros': textOf((us) => micros(us, 'Z')),
  'local-timestamp-millis': textOf((ms) => isoUtc(ms).slice(0, -1)),
  'local-timestamp-micros': textOf((us) => micros(us, '')),
  date: textOf((days) => isoUtc(days * DAY_MS).slice(0, 10)),
  'time-millis': textOf((ms) => timeOfDay(ms, '')),
  'time-micros': textOf((us) => timeOfDay(Math.floor(us / 1000), pad(us % 1000, 3))),
} as unknown as Record<string, new (schema: avro.Schema, opts?: unknown) => avro.types.LogicalType>;

export interface AvroReader {
  /** The value of the body, or throws with avsc's reason (truncated or trailing bytes, a bad branch). */
  read(body: Buffer): unknown;
}

/** `schema`: the schema's JSON text as the registry gives it; `named`: types of its references. */
export function avroReader(schema: string, named: Record<string, avro.Type> = {}): AvroReader {
  const type = parseAvro(schema, { ...named, long: EXACT_LONG });
  const convert = converter(type);
  return {
    read(body) {
      const v = type.fromBuffer(body);
      return convert === undefined ? v : convert(v);
    },
  };
}

/**
 * The Avro ReaderFactory (schema-reader.ts). Each reference is parsed into one registry of named
 * types, which the schema then refers to by full name; the registry client lists references
 * before the schemas that use them.
 */
export const avroFactory: ReaderFactory = (schema, references) => {
  const registry: Record<string, avro.Type> = { long: EXACT_LONG };
  for (const text of references.values()) parseAvro(text, registry);
  return avroReader(schema, registry);
};

/** Parse schema text with our logical types and exact longs; named types it declares join `registry`. */
function parseAvro(text: string, registry: Record<string, avro.Type>): avro.Type {
  return avro.Type.forSchema(plainLongs(JSON.parse(text)) as avro.Schema, { logicalTypes: LOGICAL_TYPES, registry, wrapUnions: 'auto' });
}

/**
 * The schema with every `{"type": "long"}` that has no logical type we read written `"long"`, so
 * that it, too, is the exact long of the registry (avsc builds a new long type for the object form).
 */
function plainLongs(s: unknown): unknown {
  if (Array.isArray(s)) return s.map(plainLongs);
  if (s === null || typeof s !== 'object') return s;
  const o = s as Record<string, unknown>;
  // A field ({"name", "type": "long"}) is not a type: only its type is looked into.
  if (o.type === 'long' && !('name' in o) && (typeof o.logicalType !== 'string' || !(o.logicalType in LOGICAL_TYPES))) return 'long';
  return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, k === 'default' ? v : plainLongs(v)]));
}

/** The conversion a type's values need to look like JSON, or undefined when they need none. */
function converter(t: avro.Type, seen = new Map<avro.Type, Convert | undefined>()): Convert | undefined {
  if (seen.has(t)) return seen.get(t);
  // A recursive record: assume it needs converting while its fields are compiled.
  const self: Convert = (v) => out?.(v);
  seen.set(t, self);
  const out = build(t, seen);
  seen.set(t, out);
  return out;
}

/** The kinds of value whose branch of an unwrapped union may need converting. */
const KINDS: Readonly<Record<string, string>> = { bytes: 'buffer', fixed: 'buffer', array: 'array', map: 'object', record: 'object', error: 'object' };

function build(t: avro.Type, seen: Map<avro.Type, Convert | undefined>): Convert | undefined {
  const name = t.typeName;
  if (name === 'bytes' || name === 'fixed') return (v) => (Buffer.isBuffer(v) ? v.toString('base64') : v);
  if (name === 'array') {
    const item = converter((t as avro.types.ArrayType).itemsType, seen);
    return item === undefined ? undefined : (v) => (v as unknown[]).map(item);
  }
  if (name === 'map') {
    const value = converter((t as avro.types.MapType).valuesType, seen);
    return value === undefined ? undefined : (v) => Object.fromEntries(Object.entries(v as Record<string, unknown>).map(([k, x]) => [k, value(x)]));
  }
  if (name === 'record' || name === 'error') {
    const fields = (t as avro.types.RecordType).fields.map((f) => ({ name: f.name, convert: converter(f.type, seen) }));
    const converting = fields.filter((f) => f.convert !== undefined);
    // avsc's record instances hold the fields as own properties, which paths read as an object's.
    if (converting.length === 0) return undefined;
    return (v) => {
      const o: Record<string, unknown> = { ...(v as Record<string, unknown>) };
      for (const f of converting) o[f.name] = f.convert?.(o[f.name]);
      return o;
    };
  }
  if (name === 'union:wrapped') {
    const branches = new Map((t as avro.types.WrappedUnionType).types.map((b) => [b.branchName ?? b.typeName, converter(b, seen)]));
    return (v) => {
      if (v === null || typeof v !== 'object') return v;
      const [branch, x] = Object.entries(v as Record<string, unknown>)[0] ?? [];
      const c = branch === undefined ? undefined : branches.get(branch);
      return c === undefined ? x : c(x);
    };
  }
  if (name === 'union:unwrapped') {
    // An unwrapped union has at most one branch per kind of value (avsc's buckets): the value's
    // kind says its branch, with no per-value validation.
    const byKind = new Map<string, Convert>();
    for (const b of (t as avro.types.UnwrappedUnionType).types) {
      const c = converter(b, seen);
      const kind = KINDS[b.typeName];
      if (c !== undefined && kind !== undefined) byKind.set(kind, c);
    }
    if (byKind.size === 0) return undefined;
    return (v) => {
      const c = byKind.get(Buffer.isBuffer(v) ? 'buffer' : Array.isArray(v) ? 'array' : v !== null && typeof v === 'object' && !(v instanceof ExactNumber) ? 'object' : '');
      return c === undefined ? v : c(v);
    };
  }
  return undefined;
}
