/**
 * SASL/OAUTHBEARER as kafkajs' custom authentication mechanism, because its built-in one reports
 * success for a token the broker refused: a broker answers a bad token with an error in the
 * SaslAuthenticate reply's bytes (RFC 7628 §3.2.2: `{"status":"invalid_token"}`) and error code 0,
 * which kafkajs ignores; the client then sees "No brokers in the broker pool" and retries forever.
 * Here a reply with bytes is the refusal it is: a SASL authentication error with the broker's status,
 * which kafkajs does not retry and the start-up check reports in one line (failure.ts).
 *
 * The initial response is the one kafkajs and the Java client send (RFC 7628 §3.1, no
 * authorization identity, no extensions): `n,,\x01auth=Bearer <token>\x01\x01`.
 */
import kafkajs from 'kafkajs';
import type { AuthenticationProviderArgs, Authenticator, Mechanism, SASLOptions } from 'kafkajs';
import type { KafkaSasl } from './options.js';

const SOH = '\u0001';

// CommonJS: Node's ESM loader does not see kafkajs' classes as named exports (see client.ts). Its
// typings give the class no constructor arguments; the JavaScript takes the message.
const SaslAuthenticationError = kafkajs.KafkaJSSASLAuthenticationError as unknown as new (message: string) => Error;

/** The bytes of a SASL message as kafkajs' request encoders take them: a 4-byte length, then the message. */
function lengthPrefixed(message: Buffer): Buffer {
  const head = Buffer.alloc(4);
  head.writeInt32BE(message.length);
  return Buffer.concat([head, message]);
}

/** The server's reply without its length prefix; empty when it accepted the token. */
function replyText(raw: unknown): string {
  if (!Buffer.isBuffer(raw) || raw.length === 0) return '';
  const body = raw.length >= 4 && raw.readInt32BE(0) === raw.length - 4 ? raw.subarray(4) : raw;
  return body.toString('utf8');
}

/** What kafkajs is given as `sasl`: its own mechanisms as they are, OAUTHBEARER as ours. */
export function kafkajsSasl(sasl: KafkaSasl): SASLOptions | Mechanism {
  return sasl.mechanism === 'oauthbearer' ? oauthBearerMechanism(sasl.oauthBearerProvider) : sasl;
}

export function oauthBearerMechanism(token: () => Promise<{ value: string }>): Mechanism {
  return {
    mechanism: 'oauthbearer',
    authenticationProvider: ({ host, port, saslAuthenticate }: AuthenticationProviderArgs): Authenticator => ({
      async authenticate() {
        const { value } = await token();
        const message = Buffer.from(`n,,${SOH}auth=Bearer ${value}${SOH}${SOH}`);
        const reply = await saslAuthenticate<string>({
          request: { encode: async () => lengthPrefixed(message) },
          response: { decode: async (raw: Buffer) => raw, parse: (data: Buffer) => replyText(data) },
        });
        if (typeof reply === 'string' && reply !== '') {
          throw new SaslAuthenticationError(`the broker ${host}:${port} refused the token: ${reply}`);
        }
      },
    }),
  };
}
