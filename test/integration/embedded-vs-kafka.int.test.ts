/**
 * One stream, two ways: through Kafka into a server database (the runtime in process), and as an NDJSON
 * file into SQLite (`sc-project run --from`, the embedded default). Every table must hold the
 * same rows (values normalized: numbers vs numeric strings, booleans 0/1, DECIMAL '12.30' vs
 * 12.3, JSON text) and equal the model; both dead-letter the same messages.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { expectedTables } from '../helpers/model.js';
import { createTopics, produce, readTopics, waitDrained, type ReadMessage } from '../helpers/kafka.js';
import { BIN, ROOT, startInProcess } from '../helpers/runner.js';
import { testResources } from '../helpers/scenario.js';
import { eachServer, type ServerDatabase } from '../helpers/services.js';
import type { WrittenSpec } from '../helpers/spec.js';
import { generateStream, summarize, toNdjson, type BadKind, type StreamMessage } from '../helpers/stream.js';
import { diffTables, readTables, rowCounts } from '../helpers/tables.js';

const { skip, servers } = eachServer('KAFKA_BROKERS');

/**
 * Bad messages NDJSON can carry (garbage bytes cannot travel in a JSON line), the duplicate
 * UNIQUE value that both databases refuse included.
 */
const TEXT_BAD: BadKind[] = ['truncated-json', 'json-array', 'json-string', 'no-event-type', 'no-event-id', 'empty-value', 'too-long-insert', 'too-long-update', 'duplicate-unique'];

// The whole stream on the first server database (exactly-once.int and the differential compare the
// rest of them with the model and SQLite); a value the column cannot hold, on each.
describe.skipIf(skip)('embedded (NDJSON → SQLite) vs Kafka → a server database', () => {
  const { onCleanup, flow } = testResources();
  const dir = mkdtempSync(join(tmpdir(), 'sc-it-embedded-'));
  onCleanup(() => rmSync(dir, { recursive: true, force: true }));

  async function bothWays(test: string, stream: (spec: WrittenSpec) => StreamMessage[], server: ServerDatabase) {
    const { spec, db, topics } = await flow(test, false, server);
    const messages = stream(spec);

    // Kafka → the server database.
    await createTopics(topics);
    await produce(messages);
    const { rt } = await startInProcess({ config: spec.dir, databaseUrl: db.url });
    await waitDrained(db.url, spec.group, topics, 120_000);
    await rt.stop();
    const kafkaStats = (await rt.done).groups[spec.group];
    const onServer = await readTables(db.url);
    const kafkaLetters = await readTopics([`${spec.things}.dlq`, `${spec.marks}.dlq`]);

    // NDJSON → SQLite, through the command line.
    const file = join(dir, `${test}-${server.kind}.ndjson`);
    writeFileSync(file, toNdjson(messages));
    const sqliteUrl = `sqlite:${join(dir, `${test}-${server.kind}.db`)}`;
    const cli = await runCli(['run', '--config', spec.dir, '--from', file, '--database-url', sqliteUrl, '--stats-interval', '0']);
    const sqlite = await readTables(sqliteUrl);
    const sqliteLetters = countRows(sqliteUrl, 'sc_dead_letters');
    return { messages, onServer, sqlite, kafkaStats, kafkaLetters, sqliteLetters, cli };
  }

  it(`gives exactly the same rows, equal to the model, and the same dead letters (${servers[0]?.name ?? ''})`, async () => {
    const r = await bothWays('emb', (spec) => generateStream({
      seed: 9, topics: spec, things: 900, maxLifecycle: 4, orphans: 20, marks: 1500, stubTargets: 20, duplicateRate: 0.03, staleRate: 0.05, unhandled: 20, bad: TEXT_BAD,
    }), servers[0] as ServerDatabase);
    // The file run finished with dead letters: exit 3 and the last line says so (issue 17).
    expect(r.cli.code, r.cli.stderr).toBe(3);
    expect(r.cli.stdout.trimEnd().split('\n').at(-1)).toBe(`outcome: not everything was applied: ${TEXT_BAD.length} dead-lettered (exit 3; --exit-zero exits 0)`);
    const counts = summarize(r.messages);
    console.log(`embedded vs kafka: ${counts.total} messages; rows ${JSON.stringify(rowCounts(r.sqlite))}; cli: ${r.cli.stdout.trim().split('\n')[0]}`);

    expect(rowCounts(r.sqlite)).toEqual(rowCounts(r.onServer));
    expect(diffTables(r.onServer, r.sqlite)).toEqual([]);
    expect(diffTables(expectedTables(r.messages), r.sqlite)).toEqual([]);
    expect(diffTables(expectedTables(r.messages), r.onServer)).toEqual([]);
    // The same messages dead-lettered both ways (once each is dead-letters.int.test.ts' subject).
    expect(distinctSources(r.kafkaLetters)).toBe(TEXT_BAD.length);
    expect(r.sqliteLetters).toBe(TEXT_BAD.length);
    expect(r.kafkaStats?.applied).toBe(counts.event);
    expect(r.cli.stdout).toContain(`${counts.total} messages, ${counts.event} applied,`);
  });

  it.each(servers)('a value the column cannot hold is dead-lettered on SQLite as on $name (DECIMAL out of range)', async (server) => {
    // rating is DECIMAL(6,2). MariaDB (strict mode) and PostgreSQL refuse 12345678.5 and the event is
    // dead-lettered; SQLite has no DECIMAL type and stores any number unless the engine checks.
    const r = await bothWays('embdec', (spec) => generateStream({
      seed: 10, topics: spec, things: 100, maxLifecycle: 3, marks: 100, bad: ['decimal-out-of-range'],
    }), server);
    expect(r.cli.code, r.cli.stderr).toBe(3);
    expect(distinctSources(r.kafkaLetters)).toBe(1);
    expect(diffTables(expectedTables(r.messages), r.onServer)).toEqual([]);
    expect(diffTables(r.onServer, r.sqlite)).toEqual([]);
    expect(r.sqliteLetters).toBe(1);
  });
});

function runCli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.setEncoding('utf8').on('data', (c: string) => { stdout += c; });
    p.stderr.setEncoding('utf8').on('data', (c: string) => { stderr += c; });
    p.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

function distinctSources(letters: ReadMessage[]): number {
  return new Set(letters.map((l) => `${l.headers['sc-source-topic']}/${l.headers['sc-source-partition']}/${l.headers['sc-source-offset']}`)).size;
}

function countRows(sqliteUrl: string, table: string): number {
  const db = new Database(sqliteUrl.slice('sqlite:'.length), { readonly: true });
  try {
    return Number((db.prepare(`SELECT count(*) AS n FROM "${table}"`).get() as { n: number }).n);
  } finally {
    db.close();
  }
}
