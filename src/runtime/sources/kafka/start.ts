/**
 * What a Kafka run needs at start-up and after: the client, the dead-letter producer, the topic
 * checks, one consumer per group (its batches go to drive.ts's per-batch function), and the
 * admin that reads end offsets for the lag.
 */
import { Partitioners, type Admin, type Kafka, type Producer } from 'kafkajs';
import { ConfigError } from '../../api.js';
import type { GroupRoutes } from '../../apply/routes.js';
import type { GroupProcessor } from '../../commit/processor.js';
import { applier } from '../../drive.js';
import type { SpecChangedError } from '../../lifecycle/spec-watch.js';
import { partitionEnds, type PartitionEnds } from '../../ops/lag.js';
import type { Logger } from '../../ops/log.js';
import type { DeadLetterSink } from '../../outputs/dead-letters/index.js';
import type { Sink } from '../../sinks/sink.js';
import { refuseFileRecord, SourceRefusedError } from '../ndjson/record.js';
import { checkBrokers, KafkaSecurityError } from './security/probe.js';
import { startGroupConsumer, type GroupConsumerHandle, type GroupConsumerOptions } from './consumer.js';
import { ensureDeadLetterTopics, ensureTopics, kafkaClient, kafkaDeadLetters, missingTopics, type KafkaOptions } from './client.js';

type UntilStop = <T>(step: string, p: Promise<T>) => Promise<T>;

/** A group as its consumer sees it: started (again after a reload) by startGroup. */
export interface ConsumedGroup {
  routes: Pick<GroupRoutes, 'group' | 'topics' | 'accepts'>;
  processor: GroupProcessor;
  kafka?: GroupConsumerHandle;
  /** The consumer is in the group (false while rebalancing, after a crash, before the join). */
  joined: boolean;
}

export interface GroupCallbacks {
  onFatal: (e: unknown) => void;
  onSpecChanged: (e: SpecChangedError) => void;
}

export class KafkaRun {
  readonly kafka: Kafka;
  /**
   * The default partitioner named explicitly: kafkajs warns at every start otherwise. Dead letters
   * keep their original key, so they land by the same murmur2 hash as Java clients use.
   * Not idempotent: kafkajs' idempotent producer retries forever, and a send that never fails
   * could not be retried with backoff nor interrupted by stop(). Dead letters are at least once
   * (a crash between the send and the commit sends them again), and carry their source offset.
   */
  readonly producer: Producer;
  /** Each dead-letter topic's max.message.bytes, filled once the topics are checked (letters are cut to fit). */
  private readonly dlqLimits = new Map<string, number>();
  private admin: Admin | undefined;

  private readonly log: Logger;

  constructor(private readonly options: KafkaOptions) {
    const o = options;
    this.log = o.log;
    this.kafka = kafkaClient(o);
    this.producer = this.kafka.producer({ maxInFlightRequests: 1, createPartitioner: Partitioners.DefaultPartitioner });
  }

  /** One try per seed broker: a security mistake fails the start with one line (security/probe.ts). */
  async checkConnection(untilStop: UntilStop): Promise<void> {
    try {
      await untilStop('checking the Kafka connection', checkBrokers(this.options.brokers, this.options.security, this.options.clientId));
    } catch (e) {
      throw e instanceof KafkaSecurityError ? new ConfigError(e.message) : e;
    }
  }

  async deadLetters(untilStop: UntilStop): Promise<DeadLetterSink> {
    await untilStop('connecting the dead-letter producer', this.producer.connect());
    return kafkaDeadLetters(this.producer, this.dlqLimits);
  }

  /** The source topics (created, or refused when missing), the dead-letter topics, and the groups' stored positions' source. */
  private async prepare(createTopics: boolean, sink: Sink, groups: string[], topics: string[], untilStop: UntilStop): Promise<void> {
    const { kafka, log } = this;
    if (createTopics) {
      for (const t of await untilStop('creating topics', ensureTopics(kafka, topics))) log.info('created topic', { topic: t });
    } else {
      const missing = await untilStop('checking the topics', missingTopics(kafka, topics));
      if (missing.length > 0) throw new ConfigError(`topics missing in Kafka: ${missing.join(', ')} (create them, or run with --create-topics)`);
    }
    const dlq = await untilStop('checking the dead-letter topics', ensureDeadLetterTopics(kafka, topics));
    for (const t of dlq.created) log.info('created dead-letter topic', { topic: t, max_message_bytes: dlq.limits.get(t) ?? null });
    for (const [t, n] of dlq.limits) this.dlqLimits.set(t, n);
    // A group whose positions a file run recorded holds line numbers, not offsets (sources/ndjson/record.ts).
    for (const g of groups) {
      try {
        await untilStop('checking the stored positions\' source', refuseFileRecord(sink, g));
      } catch (e) {
        throw e instanceof SourceRefusedError ? new ConfigError(e.message) : e;
      }
    }
  }

  /** The topics checked, then each group's consumer started by `start` (none once stopping). */
  async startGroups<G extends ConsumedGroup>(groups: G[], o: { topics: string[]; createTopics: boolean; sink: Sink; untilStop: UntilStop; stopping: () => boolean; start: (g: G) => Promise<void> }): Promise<void> {
    await this.prepare(o.createTopics, o.sink, groups.map((g) => g.routes.group), o.topics, o.untilStop);
    for (const g of groups) {
      // stop() during start-up: do not start consumers nobody will disconnect.
      if (o.stopping()) return;
      await o.start(g);
    }
  }

  /** Start (or, after a reload, start again) the group's consumer. */
  async startGroup(g: ConsumedGroup, on: GroupCallbacks, o: GroupConsumerOptions): Promise<void> {
    // The consumer's own checks say when a batch stops (no stop before a group: one group a consumer);
    // a changed spec goes back to it (onSpecChanged), which stops it for the reload.
    const c = await startGroupConsumer(this.kafka, g.routes.group, g.routes.topics, g.processor, applier([g], { stopping: () => false }), this.log, on.onFatal, { ...o, onSpecChanged: on.onSpecChanged });
    g.kafka = c;
    // consumer.run() resolves once the first join is done (kafkajs runner.start).
    g.joined = true;
    c.consumer.on(c.consumer.events.GROUP_JOIN, () => { g.joined = true; });
    c.consumer.on(c.consumer.events.REBALANCING, () => { g.joined = false; });
    c.consumer.on(c.consumer.events.CRASH, () => { g.joined = false; });
    c.consumer.on(c.consumer.events.STOP, () => { g.joined = false; });
  }

  /** The end offsets of `topics` (the lag monitor's admin connects on first use). */
  async endOffsets(topics: string[], untilStop: UntilStop): Promise<PartitionEnds[]> {
    if (this.admin === undefined) {
      this.admin = this.kafka.admin();
      await untilStop('connecting the lag monitor', this.admin.connect());
    }
    return untilStop('reading end offsets', partitionEnds(this.admin, topics));
  }

  async closeProducer(): Promise<void> {
    await this.producer.disconnect().catch(() => undefined);
  }

  async closeAdmin(): Promise<void> {
    await this.admin?.disconnect().catch(() => undefined);
  }
}
