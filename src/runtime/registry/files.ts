/**
 * The registry's files: its CA and credentials (settings.ts), and schemas given as files for
 * offline use (`run --from … --schemas DIR`; a fixture's `schemas:` map), so wire-format records
 * replay without a registry. The file's extension is the schema's type, as the registry's
 * `schemaType` would be: `.avsc` Avro, `.proto` Protobuf, `.json` JSON Schema. A file source always
 * answers: an id without a file is a dead letter's reason, never an outage.
 *
 * References offline: a `.proto` file's imports are read from files by their import path, relative
 * to the importing schema's directory (transitively), as protoc's `-I DIR` would; an import with no
 * file is left to the reader (Google's well-known types, else its error names the import). Avro and
 * JSON Schema files stand alone (no named types or `$ref`s from other files).
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, extname, join } from 'node:path';
import type { FetchHooks, SchemaLookup, SchemaSource, SchemaTypeName } from '../apply/formats/index.js';
import { readerFactory } from './registry.js';

/** A schema file's type by its extension. */
const TYPE_OF_EXTENSION: Readonly<Record<string, SchemaTypeName>> = { '.avsc': 'AVRO', '.proto': 'PROTOBUF', '.json': 'JSON' };

export function readText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as { code?: unknown }).code;
    throw new Error(`cannot read ${path}${typeof code === 'string' ? ` (${code})` : ''}`);
  }
}

/** The text, or undefined when there is no such file (any other failure is thrown: a broken disk is no dead letter). */
function readIfThere(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as { code?: unknown }).code !== 'ENOENT') throw e;
    return undefined;
  }
}

// Imports as protoc reads them: `import "a/b.proto";`, `import public "…";`, `import weak "…";`.
const IMPORT = /^\s*import\s+(?:public\s+|weak\s+)?"([^"]+)"\s*;/gmu;

/** A .proto file's imports that are files beside it, by import path, transitively (imports first). */
function protoImports(text: string, dir: string, out: Map<string, string>): Map<string, string> {
  for (const m of text.matchAll(IMPORT)) {
    const name = m[1] ?? '';
    if (out.has(name)) continue;
    const imported = readIfThere(join(dir, name));
    if (imported === undefined) continue;
    out.set(name, imported);
    protoImports(imported, dir, out);
  }
  return out;
}

async function lookupOf(id: number, file: string, text: string): Promise<SchemaLookup> {
  const type = TYPE_OF_EXTENSION[extname(file)];
  if (type === undefined) return { reason: `schema id ${id} (${file}) is not a .avsc, .proto or .json file` };
  const references = type === 'PROTOBUF' ? protoImports(text, dirname(file), new Map()) : new Map<string, string>();
  const factory = await readerFactory(type);
  if (factory === undefined) return { reason: `schema id ${id} (${file}) is of a type this build does not read` };
  try {
    return { reader: factory(text, references), schemaType: type };
  } catch (e) {
    return { reason: `schema id ${id} (${file}) cannot be used: ${e instanceof Error ? e.message : String(e)}` };
  }
}

/**
 * Schemas by id from files: `fileOf(id)` is the id's file, undefined when none is given, or a
 * reason (several files for one id); `where` names the files for the reasons (a directory, a fixture).
 */
export function fileSchemas(fileOf: (id: number) => string | { reason: string } | undefined, where: string): SchemaSource {
  const known = new Map<number, SchemaLookup>();
  return {
    lookup: (id) => known.get(id),
    async fetch(ids: number[], _hooks: FetchHooks): Promise<void> {
      for (const id of ids) {
        if (known.has(id)) continue;
        const file = fileOf(id);
        if (typeof file === 'object') {
          known.set(id, file);
          continue;
        }
        const text = file === undefined ? undefined : readIfThere(file);
        known.set(id, file === undefined || text === undefined ? { reason: `schema id ${id} is not among the schema files of ${where}` } : await lookupOf(id, file, text));
      }
    },
  };
}

/** `--schemas DIR`: the schema of id N is DIR/N.avsc, DIR/N.proto or DIR/N.json (one of them). */
export function schemasDir(dir: string): SchemaSource {
  return fileSchemas((id) => {
    const files = Object.keys(TYPE_OF_EXTENSION).map((ext) => join(dir, `${id}${ext}`)).filter((f) => existsSync(f));
    if (files.length > 1) return { reason: `schema id ${id} has more than one file in ${dir} (${files.join(', ')}): keep one` };
    return files[0];
  }, dir);
}
