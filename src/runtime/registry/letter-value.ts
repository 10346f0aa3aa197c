/**
 * `dead-letters show` of a record in a registry format (issue 22): the value decoded with its
 * schema, beside the raw bytes, when the spec reads the letter's group in a registry format and
 * the registry (or `--schemas DIR`) has the id. Asked once: a registry that does not answer is
 * said so (show prints the bytes) rather than waited out, as a run would.
 */
import type { Plan } from '../../compile/plan.js';
import { jsonText } from '../../compile/exact-number.js';
import { StoppedError } from '../commit/errors.js';
import { isRegistryFormat, valueFormat, type SchemaSource } from '../apply/formats/index.js';
import type { RegistryOutage } from './registry.js';

/** What show prints under the raw value: the decoded JSON text, or why there is none. */
export type LetterValue = { format: string; schemaId: number; json: string } | { format: string; schemaId?: number; note: string };

/** The letter's group's value format when it is a registry format (the plan's first projection of the group: one format per group). */
export function registryValueFormat(plan: Plan | undefined, group: string): string | undefined {
  const name = plan?.projections.find((p) => p.group === group)?.valueFormat;
  return name !== undefined && isRegistryFormat(name) ? name : undefined;
}

/**
 * `value`: the letter's bytes; `schemas()`: the registry or the schema files (it may throw when
 * none is configured: the note says what to set); `outage`: why the registry did not answer.
 */
export async function decodeLetterValue(value: Buffer, format: string, schemas: () => SchemaSource & { outage?: () => RegistryOutage | undefined }): Promise<LetterValue> {
  if (!isRegistryFormat(format)) return { format, note: `${format} is not a registry format` };
  let source: ReturnType<typeof schemas>;
  try {
    source = schemas();
  } catch (e) {
    return { format, note: `not decoded: ${e instanceof Error ? e.message : String(e)}` };
  }
  const decoder = valueFormat(format, () => source);
  const schemaId = decoder?.schemaId(value);
  if (decoder === undefined || schemaId === undefined) return { format, note: 'not decoded: the value is not the schema registry wire format' };
  try {
    // One attempt: stopping() is asked only before a retry's wait.
    await source.fetch([schemaId], { stopping: () => true });
  } catch (e) {
    if (!(e instanceof StoppedError)) throw e;
    return { format, schemaId, note: `not decoded: the schema registry does not answer (${source.outage?.()?.cause ?? 'no answer'})` };
  }
  const d = decoder.decode(value);
  if ('reason' in d) return { format, schemaId, note: `not decoded: ${d.reason}` };
  return { format, schemaId, json: jsonText(d.value) ?? 'null' };
}

/** The text lines show adds after the raw value. */
export function letterValueText(v: LetterValue): string {
  const what = `${v.format}${v.schemaId !== undefined ? `, schema id ${v.schemaId}` : ''}`;
  if ('note' in v) return `value (${what}): ${v.note}\n`;
  return `value decoded (${what}):\n${indentJson(v.json)}\n`;
}

/** Pretty JSON that keeps exact numbers: re-indent the text without parsing numbers into doubles. */
function indentJson(text: string): string {
  let out = '';
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (inString) {
      out += c;
      if (c === '\\') out += text[++i] ?? '';
      else if (c === '"') inString = false;
      continue;
    }
    if (c === '"') { inString = true; out += c; continue; }
    if (c === '{' || c === '[') {
      const close = c === '{' ? '}' : ']';
      if (text[i + 1] === close) { out += c + close; i++; continue; }
      depth++;
      out += `${c}\n${'  '.repeat(depth)}`;
    } else if (c === '}' || c === ']') {
      depth--;
      out += `\n${'  '.repeat(depth)}${c}`;
    } else if (c === ',') out += `,\n${'  '.repeat(depth)}`;
    else if (c === ':') out += ': ';
    else out += c;
  }
  return out;
}
