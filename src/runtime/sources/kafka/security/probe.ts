/**
 * The start-up check of `run`, `rebuild` and `status`: one connection to each seed broker, without
 * retries, so that a security mistake is one clear line and a non-zero exit at once instead of a
 * retry loop (failure.ts says which failures count). A broker that does not answer is left to the
 * usual retries: an outage is not a configuration error.
 */
import { silentLogger } from '../../../ops/log.js';
import { kafkaClient } from '../client.js';
import { securityFailure } from './failure.js';
import { PLAINTEXT, type KafkaSecurity } from './options.js';

/** Thrown with the line to print; callers turn it into their own start-up error. */
export class KafkaSecurityError extends Error {}

/** Also with PLAINTEXT: a plaintext client at a TLS listener is one of the mistakes it names. */
export async function checkBrokers(brokers: string[], security: KafkaSecurity = PLAINTEXT, clientId = 'sc-project-check'): Promise<void> {
  for (const broker of brokers) {
    const admin = kafkaClient({ brokers: [broker], clientId, log: silentLogger, security, retries: 0 }).admin();
    try {
      await admin.connect();
      // connect() only exchanges ApiVersions, which a SASL listener answers before the SASL
      // handshake: a metadata request is what a client without SASL is refused at.
      await admin.describeCluster();
    } catch (e) {
      const line = securityFailure(e, broker, security);
      if (line !== undefined) throw new KafkaSecurityError(line);
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  }
}
