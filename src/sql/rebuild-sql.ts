/**
 * The statements of a blue-green rebuild (runtime/rebuild/rebuild.ts): its state rows
 * (sc_rebuilds), moving a group's positions and processed ids, the table renames of the swap and
 * the spec fingerprint it records. Written once; what differs by database comes from its Dialect
 * (sql/dialects/).
 */
import type { SqlDialect } from './dialect.js';
import { dialectOf } from './dialects/index.js';
import type { Statement } from './statement.js';

export interface RebuildRow {
  projection: string;
  liveGroup: string;
  shadowGroup: string;
  state: RebuildState;
  fingerprint: string;
  tag: string;
  tables: string;
  startedAt: string;
  updatedAt: string;
}

export type RebuildState = 'building' | 'swapping' | 'swapped';

export function rebuildSql(dialect: SqlDialect) {
  const d = dialectOf(dialect);
  const q = d.quote;
  const marks = (n: number) => Array.from({ length: n }, () => '?').join(',');
  const upsert = (table: string, cols: string[], key: string[], params: Statement['params']): Statement => {
    const head = `INSERT INTO ${q(table)} (${cols.map(q).join(',')}) VALUES (${marks(cols.length)})`;
    const rest = cols.filter((c) => !key.includes(c));
    return { sql: d.upsert(head, key, rest.map((c) => `${q(c)} = ${d.excluded(c)}`)), params };
  };
  return {
    selectRebuilds(): Statement {
      return { sql: `SELECT ${['projection', 'live_group', 'shadow_group', 'state', 'fingerprint', 'tag', 'tables', 'started_at', 'updated_at'].map(q).join(', ')} FROM ${q('sc_rebuilds')}`, params: [] };
    },
    upsertRebuild(r: RebuildRow): Statement {
      return upsert('sc_rebuilds', ['projection', 'live_group', 'shadow_group', 'state', 'fingerprint', 'tag', 'tables', 'started_at', 'updated_at'], ['projection'],
        [r.projection, r.liveGroup, r.shadowGroup, r.state, r.fingerprint, r.tag, r.tables, r.startedAt, r.updatedAt]);
    },
    setState(projections: string[], state: RebuildState, at: string): Statement {
      return { sql: `UPDATE ${q('sc_rebuilds')} SET ${q('state')} = ?, ${q('updated_at')} = ? WHERE ${q('projection')} IN (${marks(projections.length)})`, params: [state, at, ...projections] };
    },
    deleteRebuilds(projections: string[]): Statement {
      return { sql: `DELETE FROM ${q('sc_rebuilds')} WHERE ${q('projection')} IN (${marks(projections.length)})`, params: projections };
    },
    deletePositions(group: string): Statement {
      return { sql: `DELETE FROM ${q('sc_consumer_positions')} WHERE ${q('consumer_group')} = ?`, params: [group] };
    },
    /** At most `limit` rows a statement on MariaDB, so a large group never makes one huge transaction. */
    deleteProcessed(group: string, limit: number): Statement {
      return { sql: d.deleteLimited('sc_processed_events', `${q('consumer_group')} = ?`, limit), params: [group] };
    },
    /** A position set to exactly this value (the swap hands the shadow's positions to the live group). */
    setPosition(group: string, topic: string, partition: number, nextOffset: number, at: string): Statement {
      return upsert('sc_consumer_positions', ['consumer_group', 'topic', 'partition', 'next_offset', 'updated_at'], ['consumer_group', 'topic', 'partition'], [group, topic, partition, nextOffset, at]);
    },
    /** The shadow group's processed ids recorded for the live group too (ids it has already are kept). */
    /** The shadow group's processed ids into the live group's (those processed at or after `since` only, when given). */
    copyProcessed(from: string, to: string, since?: string): Statement {
      const cols = ['event_id', 'entity_id', 'entity_version', 'event_type', 'processed_at'];
      return {
        // The SELECT has a WHERE, so SQLite parses an ON CONFLICT after it (https://sqlite.org/lang_upsert.html).
        sql: d.insertIgnore(`INSERT INTO ${q('sc_processed_events')} (${q('consumer_group')}, ${cols.map(q).join(', ')}) SELECT ?, ${cols.map(q).join(', ')} FROM ${q('sc_processed_events')} WHERE ${q('consumer_group')} = ?${since !== undefined ? ` AND ${q('processed_at')} >= ?` : ''}`),
        params: since !== undefined ? [to, from, since] : [to, from],
      };
    },
    upsertFingerprint(projection: string, fingerprint: string, shape: string, at: string): Statement {
      return upsert('sc_spec_fingerprints', ['projection', 'fingerprint', 'shape', 'updated_at'], ['projection'], [projection, fingerprint, shape, at]);
    },
    /** Which of these tables exist. */
    existingTables(names: string[]): Statement {
      return { sql: d.selectTables(marks(names.length)), params: names };
    },
    /**
     * The swap's renames, each pair [from, to] in sequence. MariaDB: ONE statement, atomic (no
     * reader ever finds a table missing); SQLite: one ALTER a pair, inside the swap's transaction.
     */
    renames(pairs: Array<[string, string]>): Statement[] {
      return d.renameTables(pairs).map((sql) => ({ sql, params: [] }));
    },
    dropTable(name: string): Statement {
      return { sql: `DROP TABLE IF EXISTS ${q(name)}`, params: [] };
    },
  };
}

export type RebuildSql = ReturnType<typeof rebuildSql>;
