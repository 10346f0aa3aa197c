/**
 * Logs: one line an event, as text or JSON (--log-format json). Every line goes through the same
 * rules, since fields echo input (event types, keys, reasons, server answers): control characters
 * are escaped (an event type holding ESC[2J cleared the operator's terminal), URLs lose their
 * userinfo, long values are cut, and a `stack` field is printed only at --log-level debug.
 */
import { escapeControls, hasControls, redactUrls } from '../../redact.js';

export interface Logger {
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

export type LogFormat = 'text' | 'json';
export type LogLevel = 'info' | 'debug';

export interface LoggerOptions {
  /** 'debug' keeps stack traces; 'info' (the default) leaves them out. */
  level?: LogLevel;
}

/** Characters a string field keeps (a 1 MB event type would otherwise make a 1 MB line). */
export const FIELD_MAX_CHARS = 4096;

export function createLogger(format: LogFormat = 'text', write: (line: string) => void = (l) => process.stderr.write(l + '\n'), o: LoggerOptions = {}): Logger {
  const debug = (o.level ?? defaultLogLevel()) === 'debug';
  const emit = (level: string, msg: string, fields: Record<string, unknown> = {}) => {
    const clean: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(fields)) {
      if (k === 'stack' && !debug) continue;
      clean[k] = typeof v === 'string' ? bounded(redactUrls(v), debug) : v;
    }
    if (format === 'json') {
      write(safeLine(JSON.stringify({ time: new Date().toISOString(), level, msg: redactUrls(msg), ...clean })));
      return;
    }
    const kv = Object.entries(clean).map(([k, v]) => `${k}=${textValue(v)}`).join(' ');
    write(`${new Date().toISOString()} ${level.padEnd(5)} ${escapeControls(redactUrls(msg))}${kv ? ' ' + kv : ''}`);
  };
  return {
    info: (m, f) => emit('info', m, f),
    warn: (m, f) => emit('warn', m, f),
    error: (m, f) => emit('error', m, f),
  };
}

/** SC_PROJECT_LOG_LEVEL, which `--log-level` sets for the whole process. */
export function defaultLogLevel(): LogLevel {
  return process.env.SC_PROJECT_LOG_LEVEL === 'debug' ? 'debug' : 'info';
}

/** A bare word stays bare; anything with spaces or control characters is JSON-quoted and escaped. */
function textValue(v: unknown): string {
  if (typeof v === 'string' && !/\s/.test(v) && !hasControls(v)) return v;
  return safeLine(JSON.stringify(v) ?? String(v));
}

/** JSON.stringify escapes C0 controls; DEL, C1 and the bidirectional controls are escaped here. */
function safeLine(line: string): string {
  return hasControls(line) ? escapeControls(line) : line;
}

function bounded(v: string, debug: boolean): string {
  return debug || v.length <= FIELD_MAX_CHARS ? v : `${v.slice(0, FIELD_MAX_CHARS)}… [cut: ${v.length} chars]`;
}

export const silentLogger: Logger = { info: () => undefined, warn: () => undefined, error: () => undefined };
