/**
 * What a failed first connection to a broker says about the security settings, as one line for
 * an operator: a wrong password, an untrusted certificate, a TLS client at a plaintext listener
 * (and the reverse), a mechanism the listener does not enable. kafkajs reports these as an
 * authentication error, a protocol error, or a connection error wrapped in its retrier's
 * KafkaJSNumberOfRetriesExceeded (the TLS cases), which a run would retry for minutes.
 * Anything else (refused, unknown host, a timeout) is not a configuration problem: undefined,
 * and the caller goes on with the usual retries, as for a broker that is down.
 * Pure: probe.ts connects.
 */
import { saslWho, type KafkaSecurity } from './options.js';

/** kafkajs' protocol error codes (https://kafka.apache.org/protocol#protocol_error_codes). */
const UNSUPPORTED_SASL_MECHANISM = 33;
const ILLEGAL_SASL_STATE = 34;

const UNTRUSTED = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN', 'DEPTH_ZERO_SELF_SIGNED_CERT', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'CERT_UNTRUSTED', 'CERT_SIGNATURE_FAILURE', 'CERT_REJECTED',
]);
const OUT_OF_DATE = new Set(['CERT_HAS_EXPIRED', 'CERT_NOT_YET_VALID']);

interface ErrorLike {
  name?: unknown;
  message?: unknown;
  code?: unknown;
  type?: unknown;
  cause?: unknown;
}

/** The error and the errors it wraps, outermost first. */
function chain(e: unknown): ErrorLike[] {
  const out: ErrorLike[] = [];
  for (let x = e; typeof x === 'object' && x !== null && out.length < 5; x = (x as ErrorLike).cause) out.push(x as ErrorLike);
  return out;
}

/** kafkajs prefixes socket errors with "Connection error: ". */
const detail = (e: ErrorLike): string => String(e.message ?? '').replace(/^Connection error: /, '');

export function securityFailure(e: unknown, broker: string, s: KafkaSecurity): string | undefined {
  const at = `Kafka ${broker}:`;
  const protocol = `security.protocol is ${s.protocol}`;
  const errors = chain(e);
  const sasl = s.sasl;
  for (const x of errors) {
    if (x.name === 'TokenError') return `${at} ${String(x.message)}`;
    if (x.name === 'KafkaJSSASLAuthenticationError') {
      if (sasl?.mechanism === 'oauthbearer') return `${at} SASL authentication failed (OAUTHBEARER): ${detail(x)}`;
      return `${at} SASL authentication failed${sasl !== undefined ? ` ${saslWho(sasl).replace(/^as /u, 'for ')} (${sasl.mechanism.toUpperCase()})` : ''}: wrong name or password, or no such SASL login (${detail(x)})`;
    }
    if (x.code === UNSUPPORTED_SASL_MECHANISM) return `${at} the listener does not enable SASL mechanism ${sasl?.mechanism.toUpperCase() ?? '?'} (${detail(x)}): check sasl.mechanism`;
    if (x.code === ILLEGAL_SASL_STATE) return `${at} the listener does not take SASL (${detail(x)}): ${protocol}; is it an SSL listener (security.protocol=SSL)?`;
    if (typeof x.code !== 'string') continue;
    if (UNTRUSTED.has(x.code)) return `${at} the broker's TLS certificate is not trusted (${detail(x)}): set ssl.ca.location to the CA that signed it`;
    if (OUT_OF_DATE.has(x.code)) return `${at} the broker's TLS certificate is not valid now (${detail(x)})`;
    if (x.code === 'ERR_TLS_CERT_ALTNAME_INVALID') return `${at} the broker's TLS certificate does not name this host (${detail(x)}): connect by a name it has, or set ssl.endpoint.identification.algorithm= (empty) to skip the check`;
    if (s.ssl !== undefined && (x.code === 'EPROTO' || /secure TLS connection/.test(detail(x)))) {
      return `${at} the TLS handshake failed (${detail(x)}): the listener does not seem to speak TLS; ${protocol}`;
    }
  }
  // A broker closes a connection whose first request it cannot read: plaintext bytes at a TLS
  // listener, or a request before the SASL handshake at a SASL listener.
  if (errors.some((x) => x.name === 'KafkaJSConnectionClosedError')) {
    const expects = s.ssl === undefined ? 'TLS (security.protocol SSL or SASL_SSL)' : 'SASL (security.protocol SASL_SSL)';
    return `${at} the broker closed the connection at the first request: the listener may expect ${expects}; ${protocol}`;
  }
  return undefined;
}
