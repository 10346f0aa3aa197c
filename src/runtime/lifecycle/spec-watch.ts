/**
 * How a running group notices that its projections' tables were rebuilt (or re-recorded) under
 * it: every live transaction reads the group's stored spec fingerprints once it holds its
 * partition locks (sink.ts TxGuard) and compares them with what was stored when the group
 * started. A difference rolls the transaction back before it writes anything (SpecChangedError);
 * the runtime then reloads the specs and resumes the group from the database's positions, or
 * stops it when the specs it can read are not the ones the tables were built with.
 */
import { fingerprintText, type Sink } from '../sinks/sink.js';

export interface SpecWatch {
  /** The group's projections, sorted. */
  projections: string[];
  /** What sc_spec_fingerprints held for them when the group (re)started (engine-sql selectFingerprints' text). */
  expected: string | null;
}

/** The stored fingerprints of a group's projections changed under the running group: nothing was written. */
export class SpecChangedError extends Error {
  constructor(readonly group: string, readonly expected: string | null, readonly found: string | null) {
    super(`group ${group}: the stored spec fingerprints changed under the running engine (${describeChange(expected, found)})`);
  }

  /** The projections whose stored fingerprint differs, with the one the group started with and the one stored now. */
  changed(): FingerprintChange[] {
    return changedProjections(this.expected, this.found);
  }
}

export interface FingerprintChange {
  projection: string;
  was: string | null;
  now: string | null;
}

export function changedProjections(expected: string | null, found: string | null): FingerprintChange[] {
  const was = fingerprintMap(expected);
  const now = fingerprintMap(found);
  return [...new Set([...was.keys(), ...now.keys()])].sort()
    .filter((p) => was.get(p) !== now.get(p))
    .map((p) => ({ projection: p, was: was.get(p) ?? null, now: now.get(p) ?? null }));
}

/** `a=f1,b=f2` → {a: f1, b: f2}. */
export function fingerprintMap(text: string | null): Map<string, string> {
  const out = new Map<string, string>();
  for (const pair of (text ?? '').split(',')) {
    const i = pair.lastIndexOf('=');
    if (i > 0) out.set(pair.slice(0, i), pair.slice(i + 1));
  }
  return out;
}

function describeChange(expected: string | null, found: string | null): string {
  return changedProjections(expected, found).map((c) => `${c.projection}: ${c.was ?? 'none'} → ${c.now ?? 'none'}`).join('; ');
}

/** Read the watch's baseline: what is stored now for these projections. */
export async function readSpecWatch(sink: Sink, projections: string[]): Promise<SpecWatch> {
  const sorted = [...projections].sort();
  const st = sink.engine.selectFingerprints(sorted);
  const rows = await sink.transaction((tx) => tx.query(st));
  return { projections: sorted, expected: fingerprintText(rows[0]?.fp) };
}

