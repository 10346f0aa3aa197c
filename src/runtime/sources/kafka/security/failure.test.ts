/**
 * Which first-connection failures are security mistakes, and their lines. The errors are shaped as
 * kafkajs 2.2.4 threw them against the local broker's listeners (services.sh, 2026-12-07).
 */
import { describe, expect, it } from 'vitest';
import { securityFailure } from './failure.js';
import { PLAINTEXT, type KafkaSecurity } from './options.js';

const SCRAM: KafkaSecurity = { protocol: 'SASL_SSL', ssl: { rejectUnauthorized: true }, sasl: { mechanism: 'scram-sha-512', username: 'alice', password: 'pw-1234' }, description: '', secrets: [] };
const SSL: KafkaSecurity = { protocol: 'SSL', ssl: { rejectUnauthorized: true }, description: '', secrets: [] };
const named = (name: string, message: string, extra: Record<string, unknown> = {}) => Object.assign(new Error(message), { name }, extra);
const retried = (cause: Error) => named('KafkaJSNumberOfRetriesExceeded', cause.message, { cause });
const socket = (message: string, code: string) => retried(named('KafkaJSConnectionError', `Connection error: ${message}`, { code }));

describe('securityFailure', () => {
  it('names the broker and the cause of each security mistake', () => {
    expect(securityFailure(named('KafkaJSSASLAuthenticationError', 'SASL SCRAM SHA512 authentication failed: invalid credentials'), 'b:9094', SCRAM))
      .toBe('Kafka b:9094: SASL authentication failed for alice (SCRAM-SHA-512): wrong name or password, or no such SASL login (SASL SCRAM SHA512 authentication failed: invalid credentials)');
    expect(securityFailure(socket('self-signed certificate in certificate chain', 'SELF_SIGNED_CERT_IN_CHAIN'), 'b:9094', SCRAM))
      .toBe("Kafka b:9094: the broker's TLS certificate is not trusted (self-signed certificate in certificate chain): set ssl.ca.location to the CA that signed it");
    expect(securityFailure(socket("Hostname/IP does not match certificate's altnames", 'ERR_TLS_CERT_ALTNAME_INVALID'), 'b:9094', SSL))
      .toMatch(/^Kafka b:9094: the broker's TLS certificate does not name this host \(.*\): connect by a name it has, or set ssl\.endpoint\.identification\.algorithm= \(empty\)/);
    expect(securityFailure(socket('Client network socket disconnected before secure TLS connection was established', 'ECONNRESET'), 'b:9092', SSL))
      .toBe('Kafka b:9092: the TLS handshake failed (Client network socket disconnected before secure TLS connection was established): the listener does not seem to speak TLS; security.protocol is SSL');
    expect(securityFailure(retried(named('KafkaJSConnectionClosedError', 'Closed connection')), 'b:9095', PLAINTEXT))
      .toBe('Kafka b:9095: the broker closed the connection at the first request: the listener may expect TLS (security.protocol SSL or SASL_SSL); security.protocol is PLAINTEXT');
    expect(securityFailure(retried(named('KafkaJSConnectionClosedError', 'Closed connection')), 'b:9094', SSL))
      .toBe('Kafka b:9094: the broker closed the connection at the first request: the listener may expect SASL (security.protocol SASL_SSL); security.protocol is SSL');
    expect(securityFailure(named('KafkaJSProtocolError', 'The broker does not support the requested SASL mechanism', { type: 'UNSUPPORTED_SASL_MECHANISM', code: 33 }), 'b:9094', SCRAM))
      .toBe('Kafka b:9094: the listener does not enable SASL mechanism SCRAM-SHA-512 (The broker does not support the requested SASL mechanism): check sasl.mechanism');
    expect(securityFailure(named('KafkaJSProtocolError', 'Request is not valid given the current SASL state', { code: 34 }), 'b:9095', SCRAM))
      .toBe('Kafka b:9095: the listener does not take SASL (Request is not valid given the current SASL state): security.protocol is SASL_SSL; is it an SSL listener (security.protocol=SSL)?');
  });

  it('leaves an outage to the usual retries: refused, unknown host, timeout, a reset without TLS', () => {
    expect(securityFailure(socket('connect ECONNREFUSED 127.0.0.1:9', 'ECONNREFUSED'), 'b:9', SCRAM)).toBeUndefined();
    expect(securityFailure(socket('getaddrinfo ENOTFOUND nowhere', 'ENOTFOUND'), 'nowhere:9', SSL)).toBeUndefined();
    expect(securityFailure(named('KafkaJSRequestTimeoutError', 'Request ApiVersions(key: 18, version: 2) timed out'), 'b:9', SCRAM)).toBeUndefined();
    expect(securityFailure(socket('read ECONNRESET', 'ECONNRESET'), 'b:9', PLAINTEXT)).toBeUndefined();
  });
});
