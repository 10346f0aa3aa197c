/**
 * What an integration test file creates and must take down again, even when a test fails: the
 * child processes it spawns (killed first, so nothing writes to what is being removed) and the
 * flows' spec folders, databases and topics (removed in reverse order of creation). Call
 * testResources() once at the top of a describe block: it registers the afterAll.
 */
import { afterAll } from 'vitest';
import { createTopics, deleteTopics } from './kafka.js';
import type { Child } from './runner.js';
import { freshDatabase, type FreshDb, type ServerDatabase } from './services.js';
import { flowNames, writeSpec, type WrittenSpec } from './spec.js';

export type Db = FreshDb;

export interface Flow {
  spec: WrittenSpec;
  db: Db;
  /** The flow's source topics, [things, marks]. */
  topics: string[];
}

export function testResources() {
  const cleanups: Array<() => Promise<void> | void> = [];
  const children: Child[] = [];

  afterAll(async () => {
    for (const c of children) c.kill('SIGKILL');
    for (const f of cleanups.reverse()) await f();
  });

  return {
    /** Run these after the file's tests (the last registered first). */
    onCleanup(...f: Array<() => Promise<void> | void>): void {
      cleanups.push(...f);
    },

    /** Kill -9 this child after the file's tests if it is still running; returns it. */
    track<C extends Child>(child: C): C {
      children.push(child);
      return child;
    },

    /**
     * A flow of its own for one test: spec, fresh database `sc_it_<test>`, and its two source topics
     * with `partitions` partitions, all removed afterwards. With `false` no topic is created (the
     * test creates them later, or needs them missing). The database is on `server` (MariaDB unless
     * told: serverDatabases() in services.ts).
     */
    async flow(test: string, partitions: number | false = 3, server?: ServerDatabase): Promise<Flow> {
      const spec = writeSpec(flowNames(test));
      const db = server ? await server.fresh(`sc_it_${test}`) : await freshDatabase(`sc_it_${test}`);
      cleanups.push(() => spec.remove(), () => db.drop(), () => deleteTopics(spec.allTopics));
      const topics = [spec.things, spec.marks];
      if (partitions !== false) await createTopics(topics, partitions);
      return { spec, db, topics };
    },
  };
}
