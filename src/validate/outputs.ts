/** Output rules: a valid endpoint URL, body and dedupe values, and appends that name a declared output and list. */
import type { Diagnostic } from '../diagnostics.js';
import { diagnosticAt, type Segment } from '../spec/locate.js';
import { envRefNames } from '../spec/env.js';
import type { SpecDocument } from '../spec/load.js';
import type { AppendOpSpec, ProjectionSpec } from '../spec/types.js';
import { checkPathText, checkValue, type ValueContext } from './values.js';

export function checkOutputs(doc: SpecDocument, spec: ProjectionSpec, out: Diagnostic[]): void {
  const ctx = (inLoop: boolean): ValueContext => ({ spec: doc, inLoop, keepAllowed: false, replaceAllowed: false });
  for (const [name, o] of Object.entries(spec.outputs ?? {})) {
    let url: URL | undefined;
    try {
      url = new URL(o.http.url);
    } catch {
      url = undefined;
    }
    if (url === undefined || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
      out.push(diagnosticAt(doc, ['outputs', name, 'http', 'url'], 'E_URL', `output ${name}: "${o.http.url}" is not an http:// or https:// URL`));
    } else if (url.username !== '' || url.password !== '') {
      out.push(diagnosticAt(doc, ['outputs', name, 'http', 'url'], 'E_URL_CREDENTIALS', credentialsMessage(doc, name)));
    }
    checkValue(ctx(false), ['outputs', name, 'body'], o.body, out);
    if (o.dedupe !== undefined) checkValue(ctx(false), ['outputs', name, 'dedupe', 'content'], o.dedupe.content, out);
  }
  // Judged on the document as written: the schema may have pruned a broken tables section.
  const written = (doc.value ?? {}) as { tables?: unknown; outputs?: unknown };
  if (written.tables === undefined && written.outputs === undefined) {
    out.push(diagnosticAt(doc, ['projection'], 'E_NO_EFFECTS', `projection ${spec.projection} declares neither tables nor outputs: it would change nothing`));
  }
}

export function checkAppend(doc: SpecDocument, spec: ProjectionSpec, path: Segment[], op: AppendOpSpec, out: Diagnostic[]): void {
  const outputs = spec.outputs ?? {};
  const output = outputs[op.append];
  if (output === undefined) {
    const known = Object.keys(outputs);
    out.push(diagnosticAt(doc, [...path, 'append'], 'E_UNKNOWN_OUTPUT', `unknown output ${op.append}; ${known.length > 0 ? `this projection declares: ${known.join(', ')}` : 'this projection declares no outputs'}`));
  } else if (!output.lists.includes(op.list)) {
    out.push(diagnosticAt(doc, [...path, 'list'], 'E_UNKNOWN_LIST', `output ${op.append} has no list ${op.list}; its lists: ${output.lists.join(', ')}`));
  }
  const inLoop = op.for_each !== undefined;
  if (op.for_each !== undefined) checkPathText({ spec: doc, inLoop: false, keepAllowed: false, replaceAllowed: false }, [...path, 'for_each'], op.for_each, out);
  if (op.value !== undefined) checkValue({ spec: doc, inLoop, keepAllowed: false, replaceAllowed: false }, [...path, 'value'], op.value, out);
}

/**
 * A URL's userinfo (name:password@) would be printed with the URL and fetch refuses to send such a
 * URL (every attempt failed and the batch stayed pending forever). The message names where the
 * credentials came from, never the credentials themselves.
 */
function credentialsMessage(doc: SpecDocument, name: string): string {
  const written = doc.doc.getIn(['outputs', name, 'http', 'url']);
  const refs = typeof written === 'string' ? envRefNames(written) : [];
  const from = refs.length > 0 ? `the environment variable${refs.length > 1 ? 's' : ''} ${refs.join(', ')}` : 'the spec';
  return `output ${name}: the url holds credentials (login:password@, from ${from}): they would be printed with the URL, and fetch does not send them; remove them from the URL and pass them in a header from an environment variable instead, e.g. headers: { Authorization: "Basic \${API_CREDENTIALS}" }`;
}
