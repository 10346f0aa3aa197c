/**
 * The spec change of issue 10's lifecycle tests, on the integration flow (flow.yaml): a column
 * added to `things` and a handler for `thing.viewed`, a type the generated stream already holds
 * (as unhandled events), so the new spec means something for earlier events too (a backfill).
 * The increment creates a missing row (as the marks' counters do), so the result does not depend
 * on whether a mark on the other topic made the row first: runs compare row for row.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Plan } from '../../src/compile/plan.js';
import { validatePaths } from '../../src/validate/index.js';
import type { WrittenSpec } from './spec.js';

export const VIEWED_TYPE = 'thing.viewed';

/** Rewrite the spec's flow.yaml in place to the new spec. */
export function changeSpec(spec: WrittenSpec): void {
  const file = join(spec.dir, 'flow.yaml');
  const text = readFileSync(file, 'utf8');
  const column = '      entity_version: { type: bigint, default: 0 }\n';
  if (!text.includes(column)) throw new Error('flow.yaml changed: the spec change no longer applies');
  writeFileSync(file, `${text.replace(column, `${column}      view_count:     { type: int, default: 0 }\n`)}
  ${VIEWED_TYPE}:
    - increment: things
      where: { thing_id: $.entity_id }
      by: { view_count: 1 }
      create_missing: true
`);
}

/** The plan of the spec folder as it is now (throws on any diagnostic error). */
export function planOfDir(dir: string): Plan {
  const v = validatePaths([dir]);
  if (v.plan === undefined) throw new Error(JSON.stringify(v.diagnostics));
  return v.plan;
}
