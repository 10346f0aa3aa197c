/** Did-you-mean for event types (issue 12 point 7): against what other projections of the topic handle. */
import { describe, expect, it } from 'vitest';
import { parseSpecText } from '../spec/load.js';
import { validateLoaded } from './index.js';

const projection = (name: string, types: string[]) => `projection: ${name}
group: g_${name}
topics: [things]
tables:
  t_${name}:
    key: [id]
    columns: { id: string }
on:
${types.map((t) => `  ${t}:\n    - insert: t_${name}\n      set: { id: $.entity_id }\n`).join('')}`;

const warnings = (text: string) =>
  validateLoaded(parseSpecText('inline.yaml', text)).diagnostics.map((d) => `${d.line}:${d.col} ${d.severity} ${d.code} ${d.message}`);

describe('event types one edit away from another projection’s', () => {
  it('warns on a misspelt or differently cased type, with the type meant and who handles it', () => {
    const text = `${projection('a', ['thing.created', 'thing.updated'])}---\n${projection('b', ['thing.craeted', 'Thing.updated', 'thing.deleted'])}`;
    // Both sides are suspect: either may be the slip.
    expect(warnings(text)).toEqual([
      '9:3 warning W_SIMILAR_EVENT_TYPE event type thing.created is handled by no other projection of topic things, and b handles thing.craeted there (did you mean "thing.craeted"?)',
      '12:3 warning W_SIMILAR_EVENT_TYPE event type thing.updated is handled by no other projection of topic things, and b handles Thing.updated there (did you mean "Thing.updated"?)',
      '24:3 warning W_SIMILAR_EVENT_TYPE event type thing.craeted is handled by no other projection of topic things, and a handles thing.created there (did you mean "thing.created"?)',
      '27:3 warning W_SIMILAR_EVENT_TYPE event type Thing.updated is handled by no other projection of topic things, and a handles thing.updated there (did you mean "thing.updated"?)',
    ]);
  });

  it('stays quiet for real types further apart, for a type others handle too, and across topics', () => {
    expect(warnings(`${projection('a', ['thing.created', 'thing.updated'])}---\n${projection('b', ['thing.created', 'thing.deleted'])}`)).toEqual([]);
    expect(warnings(`${projection('a', ['thing.created'])}---\n${projection('b', ['thing.craeted']).replace('[things]', '[others]')}`)).toEqual([]);
  });
});
