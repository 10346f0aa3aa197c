/**
 * SASL/OAUTHBEARER tokens for kafkajs (its `oauthBearerProvider`, asked at every authentication:
 * each new connection, and each re-authentication the broker's session lifetime calls for, KIP-368).
 * A token comes from a file (a sidecar or an agent keeps it fresh) or from a command that prints
 * one (a cloud CLI). Asked again, the provider gives the token it holds while it is fresh, and a new
 * one when less than REFRESH_MARGIN of its life is left, so a re-authentication never presents a
 * token about to expire. A token that has expired is an error naming where it came from, never
 * sent. Every token read is hidden from every output (hideSecret).
 *
 * Lifetime is read from a JWT's `exp` claim (RFC 7519) when the token is one; an opaque token from a
 * file is read again at every authentication, one from a command run again after OPAQUE_REUSE_MS.
 * Pure apart from the deps the caller gives.
 */
import { hideSecret } from '../../../../redact.js';

/** A token that cannot be had: a configuration problem for the start-up check (failure.ts), not an outage. */
export class TokenError extends Error {
  override name = 'TokenError';
}

export interface TokenSource {
  kind: 'file' | 'command';
  /** The file's path or the command line. */
  value: string;
  /** Where it was configured, for errors: `client.properties:4`. */
  where: string;
}

export interface TokenDeps {
  readFile: (path: string) => string;
  /** Runs a command line through the shell; resolves with its stdout, rejects with an Error whose message says why. */
  runCommand: (command: string) => Promise<string>;
  now: () => number;
}

/** Refresh when less than this share of a token's life is left (Java's sasl.login.refresh.window.factor is 0.8 of it used). */
const REFRESH_SHARE = 0.2;
/** …and at least this long before it expires. */
const MIN_MARGIN_MS = 30_000;
/** A command's opaque token (no exp) is reused this long. */
const OPAQUE_REUSE_MS = 60_000;

interface Held {
  value: string;
  /** ms since the epoch; undefined for an opaque token. */
  expires: number | undefined;
  fetched: number;
}

export function describeTokenSource(src: TokenSource): string {
  return src.kind === 'file' ? `token from ${src.value}` : 'token from a command';
}

export function tokenProvider(src: TokenSource, deps: TokenDeps): () => Promise<{ value: string }> {
  const key = src.kind === 'file' ? 'sasl.oauthbearer.token.location' : 'sasl.oauthbearer.token.command';
  let held: Held | undefined;
  const fresh = (h: Held, now: number): boolean => {
    if (h.expires === undefined) return src.kind === 'command' && now - h.fetched < OPAQUE_REUSE_MS;
    const margin = Math.max(MIN_MARGIN_MS, (h.expires - h.fetched) * REFRESH_SHARE);
    return now < h.expires - margin;
  };
  return async () => {
    const now = deps.now();
    if (held === undefined || !fresh(held, now)) {
      const value = await fetchToken(src, key, deps);
      held = { value, expires: jwtExpiry(value), fetched: now };
    }
    if (held.expires !== undefined && held.expires <= now) {
      const expired = new Date(held.expires).toISOString();
      held = undefined;
      throw new TokenError(`${src.where}: the OAUTHBEARER token (${key}) expired at ${expired}: refresh it`);
    }
    return { value: held.value };
  };
}

async function fetchToken(src: TokenSource, key: string, deps: TokenDeps): Promise<string> {
  let text: string;
  try {
    text = src.kind === 'file' ? deps.readFile(src.value) : await deps.runCommand(src.value);
  } catch (e) {
    const code = (e as { code?: unknown }).code;
    const why = src.kind === 'file' ? `cannot read ${src.value}${typeof code === 'string' ? ` (${code})` : ''}` : `the command failed: ${e instanceof Error ? e.message : String(e)}`;
    throw new TokenError(`${src.where}: ${key}: ${why}`);
  }
  const value = text.trim();
  if (value === '' || /\s/u.test(value)) throw new TokenError(`${src.where}: ${key} gave ${value === '' ? 'no token' : 'text with spaces, not a token'}`);
  hideSecret(value);
  return value;
}

/** A JWT's `exp` in ms since the epoch, or undefined when the token is not a JWT with one. */
export function jwtExpiry(token: string): number | undefined {
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  try {
    const claims = JSON.parse(Buffer.from(parts[1] as string, 'base64url').toString('utf8')) as { exp?: unknown };
    return typeof claims.exp === 'number' && Number.isFinite(claims.exp) ? claims.exp * 1000 : undefined;
  } catch {
    return undefined;
  }
}
