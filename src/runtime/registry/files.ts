/** The registry's files: its CA and credentials (settings.ts), read when the registry is first needed. */
import { readFileSync } from 'node:fs';

export function readText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as { code?: unknown }).code;
    throw new Error(`cannot read ${path}${typeof code === 'string' ? ` (${code})` : ''}`);
  }
}
