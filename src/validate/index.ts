/**
 * validate: load → schema → rules → plan. Opens no socket; collects every diagnostic.
 * The plan is only returned when there is no error.
 */
import { sortDiagnostics, type Diagnostic } from '../diagnostics.js';
import { DEFAULT_ENVELOPE, NO_ID, type Plan, type TableDef } from '../compile/plan.js';
import { compilePlan } from '../compile/projection.js';
import { loadSpecs, type LoadedSpecs, type SpecDocument } from '../spec/load.js';
import type { ProjectionSpec } from '../spec/types.js';
import { checkAcross, type CheckedProjection } from './cross.js';
import { checkGuards } from './guards.js';
import { checkOperation } from './operations.js';
import { checkSchema } from './schema.js';
import { checkTable } from './tables.js';
import { originalIndex } from './prune.js';
import { checkPathText, checkPlainName, setPathNames } from './values.js';
import { checkRoutes, operationsOf } from './routes.js';
import { checkTombstone } from './tombstone.js';
import { diagnosticAt } from '../spec/locate.js';
import { resolveEnvRefs } from './env.js';
import { checkAppend, checkOutputs } from './outputs.js';
import { isAppendOp } from '../compile/output.js';
import type { Env } from '../spec/env.js';

export interface ValidationResult {
  plan?: Plan;
  diagnostics: Diagnostic[];
  files: string[];
  projections: number;
  /** Tables declared by the projections that could be read (with or without errors). */
  tables: number;
}

/** `env` resolves `${NAME:-default}` references (process.env unless given). */
export function validatePaths(paths: string[], env: Env = process.env): ValidationResult {
  return validateLoaded(loadSpecs(paths), env);
}

export function validateLoaded(loaded: LoadedSpecs, env: Env = process.env): ValidationResult {
  const diagnostics = [...loaded.diagnostics];
  const checked: CheckedProjection[] = [];
  const tableNames = new Set<string>();
  for (const original of loaded.documents) {
    // Environment references first: the schema judges the values a run would use.
    const envErrors: Diagnostic[] = [];
    const doc: SpecDocument = { ...original, value: resolveEnvRefs(original, env, envErrors) };
    diagnostics.push(...envErrors);
    // Schema and semantic checks in one pass: the semantic checks see what the schema accepted.
    const schema = checkSchema(doc);
    // An unresolved reference stays as written; what the schema says of that text is noise.
    const unresolved = new Set(envErrors.map((d) => `${d.line}:${d.col}`));
    diagnostics.push(...schema.diagnostics.filter((d) => !unresolved.has(`${d.line}:${d.col}`)));
    if (schema.value === undefined) continue;
    const tables = checkProjection(doc, schema.value, diagnostics);
    for (const t of tables) tableNames.add(t.name);
    if (!schema.partial) checked.push({ doc, spec: schema.value, tables });
  }
  checkAcross(checked, diagnostics);
  const sorted = sortDiagnostics(diagnostics);
  const result: ValidationResult = { diagnostics: sorted, files: loaded.files, projections: loaded.documents.length, tables: tableNames.size };
  if (!sorted.some((d) => d.severity === 'error')) {
    result.plan = compilePlan(checked.map((c) => ({ spec: c.spec, source: { file: c.doc.file, line: lineOf(c.doc) } })));
  }
  return result;
}

function checkProjection(doc: SpecDocument, spec: ProjectionSpec, out: Diagnostic[]): TableDef[] {
  setPathNames(doc, { ...DEFAULT_ENVELOPE, ...spec.envelope }, [spec.on, spec.default, spec.tombstone]);
  // The schema only asks for a leading $; the envelope is read from every message, so its paths are checked like any other.
  for (const [field, path] of Object.entries(spec.envelope ?? {})) {
    if (field === 'id' && path === NO_ID) continue;
    // Every envelope field may also come from the key or a header (e.g. CloudEvents' binary mode: ce_type, ce_id, ce_time).
    const fromRecord = (path === '$key' || path.startsWith('$key.') || path.startsWith('$key[') || path.startsWith('$headers.'));
    checkPathText({ spec: doc, inLoop: false, keepAllowed: false, replaceAllowed: false }, ['envelope', field], path, out, fromRecord ? 'value' : 'path');
  }
  // A dead letter goes to `<topic>.dlq`, and Kafka topic names have at most 249 characters.
  spec.topics.forEach((topic, i) => {
    if (topic.length + DLQ_SUFFIX.length > MAX_TOPIC) {
      out.push(diagnosticAt(doc, ['topics', originalIndex(spec.topics, i)], 'E_RANGE', `topic name of ${topic.length} characters: at most ${MAX_TOPIC - DLQ_SUFFIX.length}, so that its dead-letter topic ${DLQ_SUFFIX} fits Kafka's ${MAX_TOPIC}`));
    }
  });
  for (const eventType of Object.keys(spec.on ?? {})) checkPlainName(doc, ['on', eventType], eventType, 'an event type', out);
  const tables = new Map<string, TableDef>();
  for (const [name, t] of Object.entries(spec.tables ?? {})) tables.set(name, checkTable(doc, name, t, out));
  checkRoutes(doc, spec, out);
  checkOutputs(doc, spec, out);
  for (const { path, op, eventType } of operationsOf(spec)) {
    if (!isAppendOp(op)) checkOperation(doc, tables, path, op, out);
    else if (eventType !== null) checkAppend(doc, spec, path, op, out);
    else out.push(diagnosticAt(doc, [...path, 'append'], 'E_OPERATION_KIND', 'append is not available in a default route yet: append under on, by event type'));
  }
  checkGuards(doc, spec, tables, out);
  checkTombstone(doc, spec, out);
  return [...tables.values()];
}

const DLQ_SUFFIX = '.dlq';
const MAX_TOPIC = 249;

function lineOf(doc: SpecDocument): number {
  const start = doc.doc.contents?.range?.[0] ?? 0;
  return doc.lines.linePos(start).line;
}
