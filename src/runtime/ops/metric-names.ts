/**
 * The metric names, in one place: the engine's (metrics.ts) and the outputs' (output-metrics.ts)
 * register under them, and dashboards and tests read them.
 */
export const METRIC_NAMES = {
  messages: 'sc_project_messages_total',
  rows: 'sc_project_rows_written_total',
  batches: 'sc_project_batches_total',
  batchSize: 'sc_project_batch_size_messages',
  commit: 'sc_project_commit_duration_seconds',
  statements: 'sc_project_statements_total',
  noop: 'sc_project_noop_changes_total',
  retries: 'sc_project_database_retries_total',
  databaseUp: 'sc_project_database_up',
  outage: 'sc_project_database_outage_seconds',
  lag: 'sc_project_consumer_lag_messages',
  endOffset: 'sc_project_partition_end_offset',
  storedPosition: 'sc_project_stored_position',
  ready: 'sc_project_ready',
  outputDeliveries: 'sc_project_output_deliveries_total',
  outputMessages: 'sc_project_output_messages_total',
  outputBytes: 'sc_project_output_bytes_total',
  outputRetries: 'sc_project_output_retries_total',
  outputFailures: 'sc_project_output_failures_total',
  outputWaiting: 'sc_project_output_waiting_messages',
  buildInfo: 'sc_project_build_info',
  /** `dead-letters replay --http`'s own (runtime/dead-letters/metrics.ts). */
  lettersReplayed: 'sc_project_dead_letters_replayed_total',
} as const;
