/**
 * Liveness and readiness, decided from the runtime's state (pure: the HTTP server only serves
 * what these return).
 * - healthy: the process is alive and its monitor loop turns (a wedged event loop or a loop that
 *   died stops it turning).
 * - ready: started, every group joined, no group stopped on a fatal error, and the database not
 *   failing for longer than the threshold (a brief retry, a deadlock, does not flap readiness).
 */
export interface HealthState {
  /** ms epoch */
  now: number;
  started: boolean;
  stopping: boolean;
  /** The fatal error a group stopped on, if any. */
  fatal?: string;
  groups: Array<{ group: string; joined: boolean }>;
  /** Since when the database has been failing (ms epoch). */
  databaseDownSince?: number;
  /** When the monitor loop last turned (ms epoch), and how often it should. */
  lastTick?: number;
  tickIntervalMs: number;
  /** How long a database outage may last before the runtime reports not ready. */
  outageThresholdMs: number;
  /** The schema registry not answering (registry formats; consumption is paused meanwhile). */
  registryDown?: { since: number; registry: string; cause: string };
}

export interface HealthReport {
  ok: boolean;
  /** Why not, one sentence each; empty when ok. */
  reasons: string[];
  checks: Record<string, unknown>;
}

export function liveness(s: HealthState): HealthReport {
  const reasons: string[] = [];
  const since = s.lastTick === undefined ? undefined : s.now - s.lastTick;
  // Three missed turns, not one: a long GC or a busy core must not get the pod killed.
  if (s.started && since !== undefined && since > 3 * s.tickIntervalMs + 1000) reasons.push(`the monitor loop has not turned for ${Math.round(since / 1000)} s`);
  return { ok: reasons.length === 0, reasons, checks: { started: s.started, last_tick_ms_ago: since ?? null } };
}

export function readiness(s: HealthState): HealthReport {
  const reasons: string[] = [];
  if (!s.started) reasons.push('starting');
  if (s.stopping) reasons.push('stopping');
  if (s.fatal !== undefined) reasons.push(`a group stopped on a fatal error: ${s.fatal}`);
  for (const g of s.groups) if (s.started && !g.joined) reasons.push(`group ${g.group} has not joined (rebalancing or crashed)`);
  const outageMs = s.databaseDownSince === undefined ? 0 : s.now - s.databaseDownSince;
  if (s.databaseDownSince !== undefined && outageMs > s.outageThresholdMs) reasons.push(`the database has been failing for ${Math.round(outageMs / 1000)} s`);
  const registryMs = s.registryDown === undefined ? 0 : s.now - s.registryDown.since;
  // The same threshold as the database's: one slow answer does not flap readiness.
  if (s.registryDown !== undefined && registryMs > s.outageThresholdMs) reasons.push(`the schema registry ${s.registryDown.registry} has not answered for ${Math.round(registryMs / 1000)} s (consumption paused): ${s.registryDown.cause}`);
  return {
    ok: reasons.length === 0,
    reasons,
    checks: {
      started: s.started,
      groups: Object.fromEntries(s.groups.map((g) => [g.group, g.joined ? 'joined' : 'not joined'])),
      database: s.databaseDownSince === undefined ? 'up' : 'failing',
      database_outage_s: Math.round(outageMs / 100) / 10,
      outage_threshold_s: s.outageThresholdMs / 1000,
      ...(s.registryDown !== undefined ? { schema_registry: 'failing', schema_registry_outage_s: Math.round(registryMs / 100) / 10 } : {}),
      ...(s.fatal !== undefined ? { fatal: s.fatal } : {}),
    },
  };
}
