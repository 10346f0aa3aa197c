/**
 * Text that echoes input or configuration, made safe to print: the userinfo of URLs (a password
 * in an endpoint or database URL) is never printed, and control characters (terminal escapes
 * that clear the screen or fake coloured lines, bidirectional overrides that reorder what is
 * shown) are escaped. Used by the logger and by the CLI's error lines.
 */

// scheme://userinfo@ (the userinfo runs up to the first @ before any /, ?, # or whitespace).
const USERINFO = /\b([a-z][a-z0-9+.-]*:\/\/)[^\s/?#@]*@/gi;

/** Every URL's userinfo, and every value given to hideSecret, replaced by `***`. */
export function redactUrls(text: string): string {
  return hideSecrets(text.includes('@') ? text.replace(USERINFO, '$1***@') : text);
}

// Passwords read from a Kafka client configuration (or its files): a driver's message, a JAAS
// line in an error or a log field must not show them, whoever wrote the text.
const SECRETS = new Set<string>();
// Shorter values would star out ordinary words; no real password is that short.
const MIN_SECRET = 4;

/** From now on `value` is printed as `***` in every log line and CLI output. */
export function hideSecret(value: string): void {
  if (value.length >= MIN_SECRET) SECRETS.add(value);
}

function hideSecrets(text: string): string {
  let out = text;
  for (const s of SECRETS) if (out.includes(s)) out = out.split(s).join('***');
  return out;
}

// C0 controls, DEL, C1 controls (0x9B is a one-byte CSI), line and paragraph separators, and
// the bidirectional embeddings, overrides and isolates.
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/** Whether the text holds a character `escapeControls` escapes. */
export function hasControls(text: string): boolean {
  CONTROL.lastIndex = 0;
  return CONTROL.test(text);
}

/** Control characters as \n, \t, \r or \uXXXX (JSON's escapes, so a JSON text stays valid). */
export function escapeControls(text: string): string {
  return text.replace(CONTROL, (c) => (c === '\n' ? '\\n' : c === '\t' ? '\\t' : c === '\r' ? '\\r' : `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`));
}

/** Both: what a line that may echo input goes through before it is printed. */
export function safeText(text: string): string {
  return escapeControls(redactUrls(text));
}

// The same without the newline and tab, which multi-line output (diagnostics, code frames) uses.
const CONTROL_IN_LINES = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/** What the CLI prints on stderr: URLs redacted, control characters escaped, lines kept. */
export function safeOutput(text: string): string {
  return redactUrls(text).replace(CONTROL_IN_LINES, (c) => (c === '\r' ? '\\r' : `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`));
}
