/**
 * The flat-upsert workload of bench/run.mjs (`--scenario flat`, issue 13): how teams use a JDBC
 * sink. N flat JSON records of 8 columns on one topic, keyed by `id`, a share of them later
 * updates of an earlier id (same key, so the same partition, after the original), upserted by id
 * into one table by one `insert … on_conflict: update`.
 *
 * Three shapes of the same records:
 * - plain (`withIds: false`): `{"id":…,"name":…,…}`, no event type, no event id. The spec has
 *   `envelope: { id: none }` and a default route only: no processed-ids row, positions alone;
 * - enveloped (`withIds: true`): the same fields plus `event_type` and a unique `event_id`, taken
 *   by an `on:` handler: one processed-ids row per message, as with every event-sourced topic;
 * - Avro (`avro: true`, issue 22): the plain shape's records as Avro values in the schema registry
 *   wire format (schema id FLAT_AVRO_ID, FLAT_AVRO_SCHEMA: a decimal and a timestamp-millis as
 *   their logical types), read under `formats: { value: avro }`, the schema from a file.
 *
 * Same arguments, same bytes (a seeded PRNG, a simulated clock). No I/O here: run.mjs publishes
 * and measures.
 */
import avro from 'avsc';

export const FLAT_TABLE = 'bench_flat_records';
export const FLAT_EVENT_TYPE = 'record.upserted';

/** mulberry32 over an FNV-1a hash of the seed: enough randomness for a workload, and stable. */
function prng(seed) {
  let h = 2166136261;
  for (let i = 0; i < seed.length; i++) h = Math.imul(h ^ seed.charCodeAt(i), 16777619);
  let a = h >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WORDS = ['alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot', 'golf', 'hotel', 'india', 'juliett', 'kilo', 'lima', 'mike', 'november', 'oscar', 'papa', 'quebec', 'romeo', 'sierra', 'tango', 'uniform', 'victor', 'whiskey', 'x-ray', 'yankee', 'zulu', "o'brien", 'müller', 'café'];
const CATEGORIES = ['books', 'garden', 'kitchen', 'music', 'outdoor', 'sports', 'tools', 'toys', 'travel', 'wellness'];

/**
 * The records, in publish order: `{ key, value, id, isUpdate, quantity }` with `value` the JSON
 * text. `stats` (optional) receives `{ records, updates, rows, quantitySum }`: the final table has
 * `rows` rows whose `quantity` column sums to `quantitySum` (the last record of each id wins).
 */
export function* flatRecords({ count, updates = 0.03, seed = 'bench-flat', withIds = false }, stats) {
  const rnd = prng(`${seed}/${updates}`);
  const ids = []; // ids issued so far, in order
  const lastQuantity = new Map();
  let t = Date.UTC(2026, 0, 5);
  let nextId = 1_000_001;
  let nUpdates = 0;
  // Event ids from a PRNG of their own, so (a) and (e) carry the same records.
  const rndId = prng(`${seed}/ids`);
  const hex = () => Math.floor(rndId() * 4294967296).toString(16).padStart(8, '0');
  for (let i = 0; i < count; i++) {
    const isUpdate = ids.length > 0 && rnd() < updates;
    const id = isUpdate ? ids[Math.floor(rnd() * ids.length)] : nextId++;
    if (isUpdate) nUpdates++;
    else ids.push(id);
    t += 1 + Math.floor(rnd() * 20);
    const w1 = WORDS[Math.floor(rnd() * WORDS.length)];
    const w2 = WORDS[Math.floor(rnd() * WORDS.length)];
    const quantity = Math.floor(rnd() * 1000);
    const record = {
      id,
      name: `${w1} ${w2} ${id}`,
      email: `${w1.replace(/[^a-z]/g, '')}.${id}@example.com`,
      category: CATEGORIES[Math.floor(rnd() * CATEGORIES.length)],
      quantity,
      score: Math.floor(rnd() * 2_000_000) - 1_000_000,
      price: Math.round(rnd() * 10_000_000) / 100,
      updated_at: new Date(t).toISOString(),
    };
    lastQuantity.set(id, quantity);
    const value = withIds
      ? JSON.stringify({ event_id: `${hex()}-${hex().slice(0, 4)}-4${hex().slice(0, 3)}-${hex().slice(0, 4)}-${hex()}${hex().slice(0, 4)}`, event_type: FLAT_EVENT_TYPE, ...record })
      : JSON.stringify(record);
    yield { key: String(id), value, id, isUpdate, quantity, record };
  }
  if (stats !== undefined) {
    stats.records = count;
    stats.updates = nUpdates;
    stats.rows = ids.length;
    let sum = 0;
    for (const q of lastQuantity.values()) sum += q;
    stats.quantitySum = sum;
  }
}

const COLUMNS = `    key: [id]
    columns:
      id:         bigint
      name:       { type: string, length: 200 }
      email:      { type: string, length: 320 }
      category:   { type: string, length: 40 }
      quantity:   int
      score:      int
      price:      { type: decimal, precision: 12, scale: 2 }
      updated_at: datetime`;

const SET = `      set:
        id:         $.id
        name:       $.name
        email:      $.email
        category:   $.category
        quantity:   $.quantity
        score:      $.score
        price:      $.price
        updated_at: $.updated_at
      on_conflict: update`;

/** The schema id of the Avro records (a file `<id>.avsc` for `run --schemas DIR`). */
export const FLAT_AVRO_ID = 1;

/** The flat record as Avro: the same 8 fields, the decimal and the timestamp as logical types. */
export const FLAT_AVRO_SCHEMA = {
  type: 'record', name: 'FlatRecord', namespace: 'bench', fields: [
    { name: 'id', type: 'long' },
    { name: 'name', type: 'string' },
    { name: 'email', type: 'string' },
    { name: 'category', type: 'string' },
    { name: 'quantity', type: 'int' },
    { name: 'score', type: 'int' },
    { name: 'price', type: { type: 'bytes', logicalType: 'decimal', precision: 12, scale: 2 } },
    { name: 'updated_at', type: { type: 'long', logicalType: 'timestamp-millis' } },
  ],
};

// The underlying types (what a producer's serializer writes): the decimal's unscaled integer as
// big-endian bytes, the timestamp as milliseconds.
const AVRO_WRITER = avro.Type.forSchema({ ...FLAT_AVRO_SCHEMA, fields: FLAT_AVRO_SCHEMA.fields.map((f) => (typeof f.type === 'object' ? { ...f, type: f.type.type } : f)) });

/** A record (flatRecords' `record`) as a registry wire-format value: 0x00, the schema id, the Avro body. */
export function flatAvroValue(record) {
  const cents = Math.round(record.price * 100);
  const price = Buffer.alloc(6);
  price.writeIntBE(cents, 0, 6);
  const head = Buffer.alloc(5);
  head.writeUInt32BE(FLAT_AVRO_ID, 1);
  return Buffer.concat([head, AVRO_WRITER.toBuffer({ ...record, price, updated_at: Date.parse(record.updated_at) })]);
}

/** The spec of one run: YAML text. */
export function flatSpec({ topic, group, withIds, avro: isAvro = false }) {
  const head = `# Generated by bench/run.mjs --scenario flat (bench/flat.mjs).
projection: bench-flat${withIds ? '-ids' : isAvro ? '-avro' : ''}
group: ${group}
topics: [${JSON.stringify(topic)}]
${isAvro ? 'formats: { value: avro }\n' : ''}`;
  const tables = `tables:
  ${FLAT_TABLE}:
${COLUMNS}
`;
  if (withIds) return `${head}${tables}on:
  ${FLAT_EVENT_TYPE}:
    - insert: ${FLAT_TABLE}
${SET}
`;
  // No event type and no event id: every message takes the default route, exactly-once by the
  // stored positions (README, Default routes), the way a JDBC sink reads a topic.
  return `${head}envelope: { id: none }
${tables}default:
  - insert: ${FLAT_TABLE}
${SET.replace(/^ {2}/gm, '')}
`;
}
