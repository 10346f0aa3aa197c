/**
 * sc-project as a library: validate specs, compile them to a plan, and run them.
 *
 * @example
 * const rt = await createRuntime({ config: 'projections', databaseUrl, brokers: ['127.0.0.1:9092'] });
 * await rt.start();
 * await rt.stop();
 */
export { createRuntime, ConfigError, type Runtime, type RuntimeOptions, type RunSummary } from './runtime/runtime.js';
export { validatePaths, type ValidationResult } from './validate/index.js';
export { formatDiagnostics, type Diagnostic, type DiagnosticCode } from './diagnostics.js';
export type { Plan, CompiledProjection, TableDef, ColumnDef, Operation } from './compile/plan.js';
export { ddlScript, type Dialect } from './sql/ddl.js';
export { applyDdl, type ApplyReport } from './sql/apply.js';
export type { ProjectionSpec } from './spec/types.js';
export type { GroupStats } from './runtime/ops/stats.js';
export { collectStatus, formatStatus, type StatusReport, type StatusOptions } from './runtime/ops/status.js';
export { EngineMetrics, METRIC_NAMES, type OutputMetrics, type OutputCounters } from './runtime/ops/metrics.js';
export { createProgress, type Progress, type ProgressOptions } from './runtime/ops/progress.js';
export { specStatus, recordFingerprints, type ProjectionSpecStatus } from './runtime/lifecycle/fingerprints.js';
export { rebuild, cleanupRebuilds, listRebuilds, RebuildError, type RebuildOptions, type RebuildReport, type CleanupOptions, type CleanupReport } from './runtime/rebuild/rebuild.js';
export { shadowPlan, shadowTableName, shadowGroupName, type ShadowPlan, type TableRename } from './compile/shadow.js';
export { migrateDatabase, type MigrationReport } from './sql/migrate-run.js';
export { planMigrations, formatMigrations, type Migration, type ChangeKind } from './sql/migrate.js';
