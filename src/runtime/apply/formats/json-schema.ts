/**
 * The JSON Schema reader of the schema registry's records (issue 22): the data is JSON text,
 * parsed exactly as a `json` value or key is (formats/json.ts: UTF-8 checked, numbers JSON.parse
 * would round kept as ExactNumbers), so a topic that moves from plain JSON to JSON Schema reads
 * the same. The schema must be a JSON Schema ajv can compile (drafts 06, 07, 2019-09, 2020-12 by
 * its `$schema`, draft-07 without one), its `$ref`s resolved from the references the registry gives
 * (by name); otherwise the factory throws. Unknown keywords are allowed: producers' schemas carry
 * annotations (Confluent's "connect.type", "javaType").
 * Validating each record against the schema is off, as in Confluent's deserializer (the producer's
 * serializer validated it; json.fail.invalid.schema defaults to false): `jsonSchemaReaderValidating`
 * turns it on, a record that does not match being an error with ajv's reasons.
 */
import { createRequire } from 'node:module';
import AjvModule, { type ValidateFunction } from 'ajv';
import Ajv2019Module from 'ajv/dist/2019.js';
import Ajv2020Module from 'ajv/dist/2020.js';
import { parseJson } from './json.js';
import type { ReaderFactory, SchemaReader } from './schema-reader.js';

type Ajv = InstanceType<typeof AjvModule.default>;

// ajv ships draft-06's meta-schema for adding by hand (https://ajv.js.org/guide/schema-language.html#draft-07-and-draft-06).
const draft06 = createRequire(import.meta.url)('ajv/dist/refs/json-schema-draft-06.json') as object;

const OPTIONS = { strict: false, allErrors: true, validateFormats: false } as const;

/** An ajv of the draft the schema names in `$schema` (draft-07 when it names none). */
function ajvFor(schema: unknown): Ajv {
  const draft = schema !== null && typeof schema === 'object' ? (schema as { $schema?: unknown }).$schema : undefined;
  if (draft === undefined || (typeof draft === 'string' && /draft-0[67]\//.test(draft))) {
    const ajv = new AjvModule.default(OPTIONS);
    ajv.addMetaSchema(draft06);
    return ajv;
  }
  if (typeof draft === 'string' && draft.includes('/2019-09/')) return new Ajv2019Module.default(OPTIONS);
  if (typeof draft === 'string' && draft.includes('/2020-12/')) return new Ajv2020Module.default(OPTIONS);
  throw new Error(`the JSON Schema's $schema ${JSON.stringify(draft)} is not a draft sc-project reads (06, 07, 2019-09, 2020-12)`);
}

function parseSchema(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new Error(`${what} is not JSON: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/** The schema compiled (so an invalid one, or one whose $ref finds nothing, is refused now). */
function compile(schemaText: string, references: ReadonlyMap<string, string>): { ajv: Ajv; validate: ValidateFunction } {
  const schema = parseSchema(schemaText, 'the JSON Schema');
  const ajv = ajvFor(schema);
  try {
    for (const [name, text] of references) ajv.addSchema(parseSchema(text, `the reference ${name}`) as object, name);
    return { ajv, validate: ajv.compile(schema as object) };
  } catch (e) {
    throw new Error(`the JSON Schema cannot be used: ${e instanceof Error ? e.message : String(e)}`);
  }
}

function reader(schema: string, references: ReadonlyMap<string, string>, validating: boolean): SchemaReader {
  const { ajv, validate } = compile(schema, references);
  return {
    read(data) {
      const decoded = parseJson(data, 'the record');
      if ('reason' in decoded) throw new Error(decoded.reason);
      if (!validating || validate(decoded.value)) return decoded.value;
      const why = ajv.errorsText(validate.errors, { dataVar: 'record' });
      // ajv sees an ExactNumber (a number a double cannot hold) as an object: the record is
      // valid if it is as any JavaScript validator reads it, numbers as doubles.
      if (validate(JSON.parse(data.toString('utf8')))) return decoded.value;
      throw new Error(`the record does not match its JSON Schema: ${why}`);
    },
  };
}

/** The JSON Schema reader, records not validated (as Confluent's deserializer by default). */
export const jsonSchemaReader: ReaderFactory = (schema, references) => reader(schema, references, false);

/** The JSON Schema reader that validates each record against its schema. */
export const jsonSchemaReaderValidating: ReaderFactory = (schema, references) => reader(schema, references, true);
