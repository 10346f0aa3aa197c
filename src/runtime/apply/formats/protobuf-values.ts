/**
 * Decoded Protobuf messages (protobufjs's) turned into values that look like the same event's JSON
 * (the proto3 JSON mapping, https://protobuf.dev/programming-guides/json/, with field names as
 * written in the .proto): 64-bit integers a number while exact, else an ExactNumber; enums their
 * names; bytes base64; maps objects; Google's well-known types their JSON form (see `WELL_KNOWN`).
 * What is absent: a field that tracks presence (a message, a oneof member, `optional`, proto2) and
 * was not on the wire is left out, as the JSON mapping leaves it out, so a path reads it as missing
 * (a column gets its default or NULL, `keep_if_missing` keeps the row's value); a proto3 scalar
 * absent on the wire is its default (0, "", false: proto3 cannot tell it from one written), a
 * repeated field [] and a map {}. The conversion is compiled once per message type.
 */
import protobuf from 'protobufjs';
import { ExactNumber } from '../../../compile/exact-number.js';
import { isoUtc } from './avro.js';

type Convert = (v: unknown) => unknown;
type Message = Record<string, unknown>;

/** The high 32 bits of a 64-bit integer whose value a double holds exactly (|v| < 2^53). */
const SAFE_HIGH = 2 ** 21;

/** A protobufjs 64-bit integer (a Long; a number where the `long` package is missing) as JSON would read it. */
export function int64(v: unknown): number | ExactNumber {
  if (typeof v === 'number') return v;
  const l = v as protobuf.Long;
  // Two 32-bit halves on the common path; the Long's own decimal text only beyond 2^53.
  const high = l.unsigned ? l.high >>> 0 : l.high;
  if (high > -SAFE_HIGH && high < SAFE_HIGH) return high * 2 ** 32 + (l.low >>> 0);
  return new ExactNumber(l.toString());
}

/** NaN and the infinities are no JSON numbers: the JSON mapping writes them as these strings. */
function double(v: unknown): unknown {
  return typeof v === 'number' && !Number.isFinite(v) ? String(v) : v;
}

/**
 * A float32 widened to a double (0.1f reads 0.10000000149011612) written back as the shortest
 * decimal that is the same float, as a producer's JSON writes it (0.1).
 */
export function float(v: unknown): unknown {
  if (typeof v !== 'number' || !Number.isFinite(v)) return double(v);
  for (let p = 1; p < 10; p++) {
    const t = Number(v.toPrecision(p));
    if (Math.fround(t) === v) return t;
  }
  return v;
}

// protobufjs's default for bytes absent on the wire is an empty array.
const base64: Convert = (v) => (Buffer.isBuffer(v) ? v.toString('base64') : v instanceof Uint8Array || Array.isArray(v) ? Buffer.from(v as Uint8Array).toString('base64') : v);

/** Scalar conversions by protobufjs type name; those not listed (int32, string, bool, …) need none. */
const SCALARS: Readonly<Record<string, Convert>> = {
  int64, uint64: int64, sint64: int64, fixed64: int64, sfixed64: int64,
  double, float, bytes: base64,
};

const hasOwn = (o: object, k: string): boolean => Object.prototype.hasOwnProperty.call(o, k);

/** The fraction of `nanos` in 0, 3, 6 or 9 digits, as the JSON mapping writes Timestamp and Duration. */
function fraction(nanos: number, atLeastMillis: boolean): string {
  if (nanos === 0) return atLeastMillis ? '.000' : '';
  const nine = String(nanos).padStart(9, '0');
  return `.${nanos % 1_000_000 === 0 ? nine.slice(0, 3) : nanos % 1000 === 0 ? nine.slice(0, 6) : nine}`;
}

const seconds = (m: Message): number => {
  const s = int64(m.seconds);
  return typeof s === 'number' ? s : Number(s.text);
};

/**
 * Google's well-known types in their JSON form. Timestamp: an ISO-8601 UTC datetime with at least
 * milliseconds (as Avro's timestamps read), microseconds or nanoseconds when they are set.
 * Duration: the JSON mapping's text, "1.500s" (a string, as in a producer's JSON; a column of a
 * numeric type cannot take it, the text keeps nanoseconds exact). Wrappers: their value. Struct,
 * Value and ListValue: plain JSON. Empty: {}. FieldMask: its paths joined by ",". Fields are found
 * by number: protobufjs's built-in struct.proto names them in camelCase (numberValue), a
 * registry's copy parsed with keepCase in snake_case (number_value).
 */
function wellKnown(t: protobuf.Type, of: (t: protobuf.Type) => Convert, root: protobuf.Root): Convert | undefined {
  const name = (id: number): string => t.fieldsById[id]?.name ?? '';
  const typeOf = (id: number): protobuf.Type => {
    const f = t.fieldsById[id]?.resolve();
    if (!(f?.resolvedType instanceof protobuf.Type)) throw new Error(`${t.fullName} has no message field ${id}`);
    return f.resolvedType;
  };
  const wrapped = (type: string): Convert => {
    const c = SCALARS[type] ?? ((v: unknown) => v);
    return (m) => c((m as Message).value);
  };
  switch (t.fullName) {
    case '.google.protobuf.Timestamp': return (m) => {
      const nanos = Number((m as Message).nanos ?? 0);
      const iso = isoUtc(seconds(m as Message) * 1000 + Math.floor(nanos / 1e6));
      return nanos % 1e6 === 0 ? iso : `${iso.slice(0, 19)}${fraction(nanos, true)}Z`;
    };
    case '.google.protobuf.Duration': return (m) => {
      const s = seconds(m as Message);
      const nanos = Number((m as Message).nanos ?? 0);
      const sign = s < 0 || nanos < 0 ? '-' : '';
      return `${sign}${Math.abs(s)}${fraction(Math.abs(nanos), false)}s`;
    };
    case '.google.protobuf.DoubleValue': return wrapped('double');
    case '.google.protobuf.FloatValue': return wrapped('float');
    case '.google.protobuf.Int64Value': return wrapped('int64');
    case '.google.protobuf.UInt64Value': return wrapped('uint64');
    case '.google.protobuf.BytesValue': return wrapped('bytes');
    case '.google.protobuf.Int32Value': case '.google.protobuf.UInt32Value':
    case '.google.protobuf.BoolValue': case '.google.protobuf.StringValue': return wrapped('int32');
    case '.google.protobuf.Struct': {
      const value = of(typeOf(1));
      return (m) => {
        const fields = (m as Message)[name(1)] as Record<string, unknown>;
        const o: Record<string, unknown> = {};
        for (const k of Object.keys(fields)) o[k] = value(fields[k]);
        return o;
      };
    }
    case '.google.protobuf.ListValue': {
      const value = of(typeOf(1));
      return (m) => ((m as Message)[name(1)] as unknown[]).map(value);
    }
    case '.google.protobuf.Value': {
      const [num, str, bool, struct, list] = [name(2), name(3), name(4), name(5), name(6)];
      const [ofStruct, ofList] = [of(typeOf(5)), of(typeOf(6))];
      return (m) => {
        const v = m as Message;
        if (hasOwn(v, num)) return double(v[num]);
        if (hasOwn(v, str)) return v[str];
        if (hasOwn(v, bool)) return v[bool];
        if (hasOwn(v, struct)) return ofStruct(v[struct]);
        if (hasOwn(v, list)) return ofList(v[list]);
        // null_value, or no kind at all (a Value written empty): JSON's null.
        return null;
      };
    }
    case '.google.protobuf.Empty': return () => ({});
    case '.google.protobuf.FieldMask': return (m) => ((m as Message)[name(1)] as string[]).join(',');
    case '.google.protobuf.Any': return any(name(1), name(2), of, root);
    default: return undefined;
  }
}

/**
 * Any: the packed message decoded when its type is among the schema's (the JSON mapping's
 * {"@type", ...fields}, a well-known type's JSON under "value"); a type the schema does not know
 * keeps its bytes ({"@type", "value": base64}) rather than losing the record.
 */
function any(urlField: string, valueField: string, of: (t: protobuf.Type) => Convert, root: protobuf.Root): Convert {
  return (m) => {
    const url = String((m as Message)[urlField] ?? '');
    const bytes = (m as Message)[valueField] as Uint8Array;
    const found = root.lookup(url.slice(url.lastIndexOf('/') + 1));
    if (!(found instanceof protobuf.Type)) return { '@type': url, value: base64(bytes) };
    const inner = of(found)(found.decode(bytes));
    return inner !== null && typeof inner === 'object' && !Array.isArray(inner) && wellKnown(found, of, root) === undefined
      ? { '@type': url, ...inner }
      : { '@type': url, value: inner };
  };
}

interface FieldPlan { name: string; presence: boolean; convert: Convert | undefined }

/** The converters of a root's message types, compiled on first use (recursive types included). */
export function messageConverter(root: protobuf.Root): (t: protobuf.Type) => Convert {
  const done = new Map<protobuf.Type, Convert>();
  const of = (t: protobuf.Type): Convert => {
    const known = done.get(t);
    if (known !== undefined) return known;
    let compiled: Convert | undefined;
    // A recursive message refers to itself while its fields are compiled.
    done.set(t, (v) => (compiled as Convert)(v));
    compiled = wellKnown(t, of, root) ?? fieldsOf(t, of);
    done.set(t, compiled);
    return compiled;
  };
  return of;
}

function fieldsOf(t: protobuf.Type, of: (t: protobuf.Type) => Convert): Convert {
  const plans: FieldPlan[] = t.fieldsArray.map((f) => {
    f.resolve();
    const item = valueConverter(f.resolvedType, f.type, of);
    const isMessage = f.resolvedType instanceof protobuf.Type;
    let convert = item;
    if (f instanceof protobuf.MapField) convert = mapConverter(f.keyType, item);
    else if (f.repeated && item !== undefined) convert = (v) => (v as unknown[]).map(item);
    return { name: f.name, presence: !f.repeated && !f.map && (isMessage || f.hasPresence), convert };
  });
  return (v) => {
    const m = v as Message;
    const o: Message = {};
    for (const p of plans) {
      if (p.presence && !hasOwn(m, p.name)) continue;
      o[p.name] = p.convert === undefined ? m[p.name] : p.convert(m[p.name]);
    }
    return o;
  };
}

function valueConverter(resolved: protobuf.ReflectionObject | null, type: string, of: (t: protobuf.Type) => Convert): Convert | undefined {
  if (resolved instanceof protobuf.Type) return of(resolved);
  if (resolved instanceof protobuf.Enum) {
    const names = resolved.valuesById;
    // A number the schema does not name (written by a newer schema): the number, as JSON keeps it.
    return (n) => names[n as number] ?? n;
  }
  return SCALARS[type];
}

/** A map's keys: 64-bit ones are protobufjs's 8-character hashes, read back into decimal text. */
function mapConverter(keyType: string, item: Convert | undefined): Convert | undefined {
  const long = keyType.endsWith('64');
  if (!long && item === undefined) return undefined;
  const unsigned = keyType === 'uint64' || keyType === 'fixed64';
  return (v) => {
    const o: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
      o[long ? String(protobuf.util.longFromHash(k, unsigned)) : k] = item === undefined ? x : item(x);
    }
    return o;
  };
}
