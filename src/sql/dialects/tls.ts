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

/** The certificate files of a TLS setting; a client certificate needs its key and the reverse. */
export function tlsFiles(verify: TlsVerify, ca: string | undefined, cert: string | undefined, key: string | undefined, names: { cert: string; key: string }): DbTls {
  if ((cert === undefined) !== (key === undefined)) {
    throw new Error(`database URL: ${cert === undefined ? names.key : names.cert} needs ${cert === undefined ? names.cert : names.key} too (a client certificate and its key)`);
  }
  const tls: DbTls = { verify };
  if (ca !== undefined && ca !== '') tls.ca = ca;
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
