/**
 * The one reader of a Kafka client configuration: the `--kafka-config` properties file, the
 * environment, and the files they name (secrets, CA, certificate, key). Every password found is
 * handed to the redaction of every printed line (redact.ts) before anything can print it.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { hideSecret } from '../../../../redact.js';
import { isRegistryProperty, REGISTRY_SECRET_KEYS, type RegistryProperty } from '../../../registry/properties.js';
import { PLAINTEXT, securityFrom, type KafkaSecurity } from './options.js';
import { parseProperties } from './properties.js';
import { collectSettings, SECRET_KEYS } from './settings.js';

export { PLAINTEXT, type KafkaSecurity } from './options.js';

const readText = (path: string): string => readFileSync(path, 'utf8');

/** How long a token command may take: a cloud CLI may fetch from the network. */
const TOKEN_COMMAND_TIMEOUT_MS = 30_000;

/** Runs a token command through the shell: its stdout, or an error with its exit and first stderr line. */
function runTokenCommand(command: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('/bin/sh', ['-c', command], { timeout: TOKEN_COMMAND_TIMEOUT_MS, maxBuffer: 1 << 20 }, (err, stdout, stderr) => {
      if (err === null) { resolve(stdout); return; }
      const first = stderr.split('\n').find((l) => l.trim() !== '')?.trim();
      const how = err.killed ? `did not finish in ${TOKEN_COMMAND_TIMEOUT_MS / 1000}s` : `exited with ${typeof err.code === 'number' ? err.code : String(err.code ?? err.signal)}`;
      reject(new Error(`${how}${first !== undefined ? `: ${first}` : ''}`));
    });
  });
}

const TOKENS = { readFile: readText, runCommand: runTokenCommand, now: () => Date.now() };

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
  // The schema registry's keys share the file (as Confluent's serializers' do): set apart for
  // registry/properties.ts, their passwords hidden now, the rest Kafka's.
  const registry: RegistryProperty[] = [];
  if (file !== undefined) {
    const path = file.path;
    for (const e of file.entries) if (isRegistryProperty(e.key)) registry.push({ key: e.key, value: e.value, where: `${path}:${e.line}` });
    for (const p of registry) {
      if (!REGISTRY_SECRET_KEYS.has(p.key)) continue;
      // name:password: the pair and the password alone (settings.ts does the same once it is used).
      hideSecret(p.value);
      const password = p.value.slice(p.value.indexOf(':') + 1);
      if (password !== '') hideSecret(password);
    }
    file = { path, entries: file.entries.filter((e) => !isRegistryProperty(e.key)) };
  }
  const withRegistry = (s: KafkaSecurity): KafkaSecurity => (registry.length > 0 ? { ...s, registry } : s);
  const { settings, errors } = collectSettings({ file, env: o.env, readFile: readText });
  // Hide what was read before reporting anything, also when a later key fails.
  for (const [key, s] of settings) if (SECRET_KEYS.has(key)) hideSecret(s.value);
  if (errors.length > 0) return { errors };
  if (settings.size === 0) return { security: withRegistry(PLAINTEXT) };
  const r = securityFrom(settings, readText, TOKENS);
  for (const s of r.security?.secrets ?? []) hideSecret(s);
  return r.security !== undefined ? { security: withRegistry(r.security) } : { errors: r.errors };
}
