/**
 * Database TLS as a URL states it, in each server's own words (MariaDB's `ssl-mode`, `ssl-ca`…;
 * libpq's `sslmode`, `sslrootcert`…), reduced to one shape both drivers take: Node's TLS options.
 * Parsing is pure; the files are read by the folder's connect.ts, which passes its reader here.
 */

/** What the client checks of the server's certificate. */
export type TlsVerify =
  /** Encrypted, certificate not checked (MariaDB REQUIRED, libpq require): a warning says so. */
  | 'none'
  /** Signed by a trusted CA, any host name (VERIFY_CA, verify-ca). */
  | 'chain'
  /** Signed by a trusted CA and issued to the host connected to (VERIFY_IDENTITY, verify-full). */
  | 'full';

export interface DbTls {
  verify: TlsVerify;
  /** PEM CA bundle; none: Node's default (public) CAs. */
  ca?: string;
  /** Client certificate and key (PEM), both or neither. */
  cert?: string;
  key?: string;
}

/**
 * A URL's query options, each known and given once, else an error naming what is accepted: a
 * misspelt `sslmode` must not connect without TLS.
 */
export function queryOptions(url: URL, known: readonly string[], example: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const [k, v] of url.searchParams) {
    if (!known.includes(k)) throw new Error(`database URL option ${JSON.stringify(k)} is not known; expected ${known.join(', ')} (e.g. ${example})`);
    if (out.has(k)) throw new Error(`database URL option ${k} is given twice`);
    out.set(k, v);
  }
  return out;
}

/** How one server's URL names its TLS options (its own client's words). */
export interface TlsWords {
  /** The option that gives the mode, e.g. `ssl-mode`, `sslmode`. */
  mode: string;
  /** Each mode (as written, or upper-cased when `upperCase`) and what it verifies; null: no TLS. */
  modes: Readonly<Record<string, TlsVerify | null>>;
  upperCase: boolean;
  /** Modes refused because they may connect without TLS silently. */
  refused: readonly string[];
  ca: string;
  cert: string;
  key: string;
  /** The CA value that means the system's CAs (libpq's `sslrootcert=system`). */
  systemCa?: string;
  /** A CA given with the encrypt-only mode checks the chain (libpq's `require` with `sslrootcert`). */
  caUpgradesEncryptOnly: boolean;
}

/**
 * The TLS setting of a URL's options: the mode, else `ssl=true` or any certificate file means the
 * full check (verification on unless turned off); no TLS when none is given. Every contradiction
 * is an error naming the options.
 */
export function tlsFromOptions(o: ReadonlyMap<string, string>, w: TlsWords): DbTls | null {
  const mode = o.get(w.mode);
  const ssl = o.get('ssl');
  if (mode !== undefined && ssl !== undefined) throw new Error(`database URL: give ${w.mode} or ssl, not both`);
  if (ssl !== undefined && ssl !== 'true' && ssl !== 'false') throw new Error(`database URL: ssl must be true or false, not ${JSON.stringify(ssl)}`);
  const ca = o.get(w.ca);
  const cert = o.get(w.cert);
  const key = o.get(w.key);
  const anyFile = ca !== undefined || cert !== undefined || key !== undefined;
  let verify: TlsVerify | null;
  if (mode !== undefined) {
    const m = w.upperCase ? mode.toUpperCase() : mode;
    const names = Object.keys(w.modes).join(', ');
    if (w.refused.includes(m)) throw new Error(`database URL: ${w.mode} ${m} is not supported (it may connect without TLS silently); use one of ${names}`);
    if (!(m in w.modes)) throw new Error(`database URL: ${w.mode} ${JSON.stringify(mode)} is not one of ${names}`);
    verify = w.modes[m] ?? null;
    if (verify === 'none' && ca !== undefined && w.caUpgradesEncryptOnly) verify = 'chain';
  } else {
    verify = ssl === 'true' || (ssl === undefined && anyFile) ? 'full' : null;
  }
  if (verify === null) {
    if (anyFile) throw new Error(`database URL: ${w.ca}, ${w.cert} and ${w.key} need TLS, but ${w.mode} or ssl turns it off`);
    return null;
  }
  if ((cert === undefined) !== (key === undefined)) {
    throw new Error(`database URL: ${cert === undefined ? w.key : w.cert} needs ${cert === undefined ? w.cert : w.key} too (a client certificate and its key)`);
  }
  const tls: DbTls = { verify };
  if (ca !== undefined && ca !== '' && ca !== w.systemCa) tls.ca = ca;
  if (cert !== undefined && key !== undefined) {
    tls.cert = cert;
    tls.key = key;
  }
  return tls;
}

/** Node's TLS options, as mysql2's `ssl` and node-postgres' `ssl` take them. */
export interface NodeTlsOptions {
  rejectUnauthorized: boolean;
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
  /** Set to skip the host name check (chain only). */
  checkServerIdentity?: () => undefined;
}

/**
 * The TLS options of a connection, files read with `read` (the caller's connect.ts). A file that
 * cannot be read is an error naming the option and the path.
 */
export function nodeTlsOptions(tls: DbTls, read: (path: string) => Buffer, names: { ca: string; cert: string; key: string }): NodeTlsOptions {
  const file = (option: string, path: string): Buffer => {
    try {
      return read(path);
    } catch (e) {
      const code = (e as { code?: unknown }).code;
      throw new Error(`database URL: cannot read ${option} ${path}${typeof code === 'string' ? ` (${code})` : ''}`);
    }
  };
  const out: NodeTlsOptions = { rejectUnauthorized: tls.verify !== 'none' };
  if (tls.ca !== undefined) out.ca = file(names.ca, tls.ca);
  if (tls.cert !== undefined) out.cert = file(names.cert, tls.cert);
  if (tls.key !== undefined) out.key = file(names.key, tls.key);
  if (tls.verify === 'chain') out.checkServerIdentity = () => undefined;
  return out;
}

const DESCRIPTIONS: Readonly<Record<TlsVerify, string>> = {
  none: 'TLS, certificate not verified',
  chain: 'TLS, certificate chain verified',
  full: 'TLS, certificate and host name verified',
};

/**
 * How a run connects, for its start-up line, and a warning when the connection is encrypted but
 * the server is not verified (anyone on the path can present a certificate).
 */
export function describeTls(tls: DbTls | null): { description: string; warning?: string } {
  if (tls === null) return { description: 'no TLS' };
  const description = DESCRIPTIONS[tls.verify];
  if (tls.verify !== 'none') return { description };
  return { description, warning: "TLS to the database does not verify the server's certificate: give its CA and verify it (ssl-mode=VERIFY_IDENTITY&ssl-ca=…, sslmode=verify-full&sslrootcert=…)" };
}
