/**
 * Environment references in spec values: `${NAME}` or `${NAME:-default}` (the default may be
 * empty). Used for URLs, headers, timeouts, tunables, topics and groups, so deployments change
 * them without editing YAML and secrets never live in it. Pure: the environment is passed in.
 */

export type Env = Readonly<Record<string, string | undefined>>;

const REF = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;

export type Substituted = { ok: true; value: string } | { ok: false; missing: string[] };

/** Replace every reference in `text`; the names that are unset (or empty) and have no default. */
export function substituteEnv(text: string, env: Env): Substituted {
  const missing: string[] = [];
  const value = text.replace(REF, (_all, name: string, fallback: string | undefined) => {
    const v = env[name];
    if (v !== undefined && v !== '') return v;
    if (fallback !== undefined) return fallback;
    missing.push(name);
    return '';
  });
  return missing.length > 0 ? { ok: false, missing } : { ok: true, value };
}

export function hasEnvRef(text: string): boolean {
  REF.lastIndex = 0;
  return REF.test(text);
}

/** The names `text` refers to, first to last. */
export function envRefNames(text: string): string[] {
  return [...text.matchAll(REF)].map((m) => m[1] ?? '');
}
