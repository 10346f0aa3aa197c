/**
 * The stored spec fingerprints (sc_spec_fingerprints) against the specs on disk: which projection
 * was built by which spec, what changed since, and the remedy (a migration or a rebuild).
 * `specStatus` is the library function `status` shows; `run` logs it at start.
 */
import { diffShapes, fingerprintOf, projectionShape, type ProjectionShape, type Remedy } from '../../compile/fingerprint.js';
import type { Plan } from '../../compile/plan.js';
import { openKnex } from '../../sql/connection.js';
import { sqlNow } from '../../sql/engine-sql.js';

export interface ProjectionSpecStatus {
  projection: string;
  /** The fingerprint the tables were built with; null when none is recorded yet. */
  stored: string | null;
  current: string;
  changes: string[];
  remedy: Remedy;
  storedAt: string | null;
}

const TABLE = 'sc_spec_fingerprints';

export async function specStatus(databaseUrl: string, plan: Plan, only?: string[]): Promise<ProjectionSpecStatus[]> {
  const db = openKnex(databaseUrl);
  try {
    const rows = (await db(TABLE).select('projection', 'fingerprint', 'shape', 'updated_at')) as Array<{ projection: string; fingerprint: string; shape: string; updated_at: unknown }>;
    const stored = new Map(rows.map((r) => [r.projection, r]));
    return plan.projections.filter((p) => only === undefined || only.includes(p.name)).map((p) => {
      const shape = projectionShape(plan, p);
      const current = fingerprintOf(shape);
      const row = stored.get(p.name);
      if (row === undefined) return { projection: p.name, stored: null, current, changes: [], remedy: 'none', storedAt: null };
      const d = row.fingerprint === current ? { changes: [], remedy: 'none' as const } : diffShapes(JSON.parse(row.shape) as ProjectionShape, shape);
      return { projection: p.name, stored: row.fingerprint, current, ...d, storedAt: String(row.updated_at) };
    });
  } finally {
    await db.destroy();
  }
}

/** Record the specs' fingerprints of these projections (they now describe the tables). */
export async function recordFingerprints(databaseUrl: string, plan: Plan, projections: string[]): Promise<void> {
  const db = openKnex(databaseUrl);
  try {
    for (const p of plan.projections.filter((x) => projections.includes(x.name))) {
      const shape = projectionShape(plan, p);
      const row = { projection: p.name, fingerprint: fingerprintOf(shape), shape: JSON.stringify(shape), updated_at: sqlNow() };
      await db(TABLE).insert(row).onConflict('projection').merge();
    }
  } finally {
    await db.destroy();
  }
}
