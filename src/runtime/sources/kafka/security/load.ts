/**
 * The one reader of a Kafka client configuration: the `--kafka-config` properties file, the
 * environment, and the files they name (secrets, CA, certificate, key). Every password found is
 * handed to the redaction of every printed line (redact.ts) before anything can print it.
 */
import { readFileSync } from 'node:fs';
import { hideSecret } from '../../../../redact.js';
import { PLAINTEXT, securityFrom, type KafkaSecurity } from './options.js';
import { parseProperties } from './properties.js';
import { collectSettings, SECRET_KEYS } from './settings.js';

export { PLAINTEXT, type KafkaSecurity } from './options.js';

const readText = (path: string): string => readFileSync(path, 'utf8');

/** `errors`: one line each, with file:line or the variable; none quotes a value. */
export function loadKafkaSecurity(o: { configPath?: string; env: Readonly<Record<string, string | undefined>> }): { security: KafkaSecurity } | { errors: string[] } {
  let file: { path: string; entries: ReturnType<typeof parseProperties> } | undefined;
  if (o.configPath !== undefined) {
    let text: string;
    try {
      text = readText(o.configPath);
    } catch (e) {
      const code = (e as { code?: unknown }).code;
      return { errors: [`--kafka-config ${o.configPath}: cannot read it${typeof code === 'string' ? ` (${code})` : ''}`] };
    }
    file = { path: o.configPath, entries: parseProperties(text) };
  }
  const { settings, errors } = collectSettings({ file, env: o.env, readFile: readText });
  // Hide what was read before reporting anything, also when a later key fails.
  for (const [key, s] of settings) if (SECRET_KEYS.has(key)) hideSecret(s.value);
  if (errors.length > 0) return { errors };
  if (settings.size === 0) return { security: PLAINTEXT };
  const r = securityFrom(settings, readText);
  for (const s of r.security?.secrets ?? []) hideSecret(s);
  return r.security !== undefined ? { security: r.security } : { errors: r.errors };
}
