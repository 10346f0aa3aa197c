/** Errors are values with a location; formatting lives here and nowhere else. */
import { redactUrls } from './redact.js';

export type DiagnosticCode =
  | 'E_IO'
  | 'E_YAML_SYNTAX'
  | 'E_DUPLICATE_KEY'
  | 'E_NOT_A_MAPPING'
  | 'E_UNKNOWN_KEY'
  | 'E_REQUIRED'
  | 'E_TYPE'
  | 'E_ENUM'
  | 'E_IDENTIFIER'
  | 'E_PATTERN'
  | 'E_RANGE'
  | 'E_OPERATION_KIND'
  | 'E_VALUE_FORM'
  | 'E_SCHEMA'
  | 'E_NO_SPECS'
  | 'E_DUPLICATE_PROJECTION'
  | 'E_UNKNOWN_TABLE'
  | 'E_UNKNOWN_COLUMN'
  | 'E_LITERAL_TYPE'
  | 'E_JSONPATH'
  | 'E_KEY_FORMAT'
  | 'E_TOMBSTONE_VALUE'
  | 'E_TOMBSTONE_VERSION'
  | 'E_VALUE_SYNTAX'
  | 'E_ITEM_OUTSIDE_LOOP'
  | 'E_NULLABLE_KEY'
  | 'E_NO_KEY'
  | 'E_WHERE_KEY'
  | 'E_INCREMENT_TYPE'
  | 'E_VERSION_TYPE'
  | 'E_GUARD_WITHOUT_VERSION'
  | 'E_GUARD_OTHER_ENTITY'
  | 'E_VERSION_WITHOUT_GUARD'
  | 'E_NOT_LOG_TABLE'
  | 'E_LOG_TABLE_WRITE'
  | 'E_MISSING_VALUE'
  | 'E_STUB_NOT_NULL'
  | 'E_REPLACE_IN'
  | 'E_KEEP_OUTSIDE_UPDATE'
  | 'E_KEY_ASSIGNMENT'
  | 'E_TABLE_CONFLICT'
  | 'E_GROUP_CONFLICT'
  | 'E_RESERVED_NAME'
  | 'E_INDEX_COLUMN'
  | 'E_YAML_ALIAS'
  | 'E_LOOKS_LIKE_PATH'
  | 'E_ROW_SIZE'
  | 'W_NO_PROJECTION'
  | 'E_WILDCARD_TYPE'
  | 'E_LOG_WITHOUT_ID'
  | 'E_ENV_MISSING'
  | 'E_UNKNOWN_OUTPUT'
  | 'E_UNKNOWN_LIST'
  | 'E_URL'
  | 'E_URL_CREDENTIALS'
  | 'E_DUPLICATE_OUTPUT'
  | 'E_NO_EFFECTS'
  | 'W_SIMILAR_EVENT_TYPE';

export type Severity = 'error' | 'warning';

export interface Diagnostic {
  code: DiagnosticCode;
  severity: Severity;
  message: string;
  file: string;
  line: number;
  col: number;
  /** The source line, for a code frame. */
  source?: string;
}

export type Result<T> = { ok: true; value: T } | { ok: false; diagnostics: Diagnostic[] };

export function sortDiagnostics(ds: Diagnostic[]): Diagnostic[] {
  return [...ds].sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.col - b.col || a.code.localeCompare(b.code));
}

/** `file:line:col error CODE message` and a code frame under it. */
export function formatDiagnostic(d: Diagnostic, frame = true): string {
  const head = `${d.file}:${d.line}:${d.col} ${d.severity} ${d.code} ${d.message}`;
  if (!frame || d.source === undefined) return head;
  const gutter = String(d.line).length;
  const caret = ' '.repeat(Math.max(0, d.col - 1)) + '^';
  return `${head}\n  ${String(d.line)} | ${d.source}\n  ${' '.repeat(gutter)} | ${caret}`;
}

/** Redacted: a URL's userinfo in a message or a code frame (a password in a spec) is never printed. */
export function formatDiagnostics(ds: Diagnostic[], format: 'text' | 'json'): string {
  if (format === 'json') {
    return redactUrls(JSON.stringify(ds.map(({ source: _source, ...d }) => d), null, 2));
  }
  const errors = ds.filter((d) => d.severity === 'error').length;
  const lines = ds.map((d) => formatDiagnostic(d));
  lines.push(`${errors} error(s), ${ds.length - errors} warning(s)`);
  return redactUrls(lines.join('\n'));
}

export function assertNever(x: never, what = 'value'): never {
  throw new Error(`unexpected ${what}: ${JSON.stringify(x)}`);
}
