/**
 * The registry's files: its CA and credentials (settings.ts), and schemas given as files for
 * offline use (`run --from … --schemas DIR` of `<id>.avsc` files; a fixture's `schemas:` map), so
 * wire-format records replay without a registry. A file source always answers: an id without a
 * file is a dead letter's reason, never an outage.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FetchHooks, SchemaLookup, SchemaSource } from '../apply/formats/index.js';
import { avroFactory } from '../apply/formats/avro.js';

export function readText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as { code?: unknown }).code;
    throw new Error(`cannot read ${path}${typeof code === 'string' ? ` (${code})` : ''}`);
  }
}

/**
 * Schemas by id from files: `fileOf(id)` is the id's file, or undefined when none is given;
 * `where` names the files for the reasons (a directory, a fixture).
 */
export function fileSchemas(fileOf: (id: number) => string | undefined, where: string): SchemaSource {
  const known = new Map<number, SchemaLookup>();
  return {
    lookup: (id) => known.get(id),
    fetch(ids: number[], _hooks: FetchHooks): Promise<void> {
      for (const id of ids) {
        if (known.has(id)) continue;
        const file = fileOf(id);
        let text: string | undefined;
        try {
          text = file === undefined ? undefined : readFileSync(file, 'utf8');
        } catch (e) {
          if ((e as { code?: unknown }).code !== 'ENOENT') throw e;
        }
        if (text === undefined) {
          known.set(id, { reason: `schema id ${id} is not among the schema files of ${where}` });
          continue;
        }
        try {
          // Files hold Avro schemas without references (a reference is the registry's notion).
          known.set(id, { reader: avroFactory(text, new Map()), schemaType: 'AVRO' });
        } catch (e) {
          known.set(id, { reason: `schema id ${id} (${file ?? ''}) cannot be used: ${e instanceof Error ? e.message : String(e)}` });
        }
      }
      return Promise.resolve();
    },
  };
}

/** `--schemas DIR`: the schema of id N is DIR/N.avsc. */
export function schemasDir(dir: string): SchemaSource {
  return fileSchemas((id) => join(dir, `${id}.avsc`), dir);
}
