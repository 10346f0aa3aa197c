/** `sc-project cleanup` (what finished or abandoned rebuilds kept) and the list of recorded rebuilds for `status`. */
import type { TableRename } from '../../compile/shadow.js';
import { applyDdl } from '../../sql/apply.js';
import { ENGINE_TABLES, REBUILDS_TABLE } from '../../sql/engine-tables.js';
import type { RebuildRow } from '../../sql/rebuild-sql.js';
import { silentLogger, type Logger } from '../ops/log.js';
import { openSink } from '../sinks/open.js';
import { openControl } from './control.js';
import { RebuildError } from './options.js';
import { REBUILD_LOCK_WAIT_S, readRows, existing, resetGroup, dropTables, rebuildLockName } from './state.js';

export interface CleanupOptions {
  databaseUrl: string;
  /** Only these projections (default: every projection with a finished rebuild). */
  projections?: string[];
  logger?: Logger;
}

export interface CleanupReport {
  dropped: string[];
  /** Projections whose rebuild is still under way: nothing of theirs was dropped. */
  underWay: string[];
}

/**
 * Drop what finished rebuilds kept (`__old` tables) and forget them. A rebuild under way keeps
 * its tables: it resumes, or, named explicitly, is abandoned (its `__next` tables dropped).
 */
export async function cleanupRebuilds(o: CleanupOptions): Promise<CleanupReport> {
  const log = o.logger ?? silentLogger;
  await applyDdl(o.databaseUrl, [...ENGINE_TABLES, REBUILDS_TABLE]);
  const sink = await openSink(o.databaseUrl, { connections: 1 });
  const c = await openControl(o.databaseUrl, sink);
  try {
    const rows = (await readRows(c)).filter((r) => o.projections === undefined || o.projections.includes(r.projection));
    const report: CleanupReport = { dropped: [], underWay: [] };
    for (const r of rows) {
      const renames = JSON.parse(r.tables) as TableRename[];
      if (r.state !== 'swapped') {
        if (o.projections === undefined) {
          report.underWay.push(r.projection);
          continue;
        }
        if (!(await c.lock(rebuildLockName(r.projection), REBUILD_LOCK_WAIT_S))) throw new RebuildError(`projection ${r.projection}: a rebuild of it is running; stop it first`);
        log.info('cleanup: abandoning the rebuild under way', { projection: r.projection, state: r.state });
        report.dropped.push(...(await dropTables(c, renames.map((t) => t.next), log)));
        await resetGroup(c, r.shadowGroup);
      } else {
        report.dropped.push(...(await dropTables(c, renames.map((t) => t.old), log)));
      }
      await c.exec(c.sql.deleteRebuilds([r.projection]));
    }
    return report;
  } finally {
    await c.close();
    await sink.close();
  }
}

/** The recorded rebuilds (for `status`). */
export async function listRebuilds(databaseUrl: string): Promise<RebuildRow[]> {
  const sink = await openSink(databaseUrl, { connections: 1 });
  const c = await openControl(databaseUrl, sink);
  try {
    if ((await existing(c, [REBUILDS_TABLE.name])).size === 0) return [];
    return await readRows(c);
  } finally {
    await c.close();
    await sink.close();
  }
}
