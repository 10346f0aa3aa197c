/** Validation of default routes, `id: none` and the message values (`$source.…`): every error located. */
import { describe, expect, it } from 'vitest';
import { parseSpecText } from '../spec/load.js';
import { validateLoaded } from './index.js';

function check(text: string): string[] {
  return validateLoaded(parseSpecText('spec.yaml', text)).diagnostics.map((d) => `${d.file}:${d.line}:${d.col} ${d.severity} ${d.code} ${d.message}`);
}

const HEAD = `projection: p
group: g
topics: [t]
tables:
  log_t:
    key: [topic, part, off]
    columns: { topic: { type: string, length: 249 }, part: int, off: bigint, code: { type: text, nullable: true }, raw: { type: json, nullable: true } }
  events_t:
    log: true
    columns: { n: { type: int, nullable: true } }
`;

describe('validate: default routes', () => {
  it('accepts a projection with only a default route, reading the message values', () => {
    const v = validateLoaded(parseSpecText('spec.yaml', `${HEAD}default:
  - insert: log_t
    set: { topic: $source.topic, part: $source.partition, off: $source.offset, code: $type, raw: $raw }
`));
    expect(v.diagnostics).toEqual([]);
    expect(v.plan?.projections[0]?.default).toHaveLength(1);
    expect(v.plan?.projections[0]?.handlers).toEqual({});
  });

  it('needs on or default', () => {
    expect(check(HEAD)).toEqual(['spec.yaml:1:1 error E_REQUIRED a projection needs on (handlers by event type), default (a default route for every message no handler takes), or both']);
  });

  it('refuses * as an event type and warns about on.default', () => {
    expect(check(`${HEAD}on:
  "*":
    - insert: log_t
      set: { topic: $source.topic, part: 0, off: 1 }
  DEFAULT:
    - insert: log_t
      set: { topic: $source.topic, part: 0, off: 2 }
`)).toEqual([
      'spec.yaml:12:3 error E_WILDCARD_TYPE "*" under on would be a literal event type named *: for every message no handler takes, write default: [operations] beside on',
      'spec.yaml:15:3 warning E_WILDCARD_TYPE on.DEFAULT handles the event type "DEFAULT" only; a default route is written default: [operations] beside on',
    ]);
  });

  it('checks the default route\'s operations like any other, at their own lines', () => {
    expect(check(`${HEAD}default:
  - insert: nowhere
    set: { a: 1 }
  - insert: log_t
    set: { topic: $source.topik, part: 0, off: $source.offset, nope: 1 }
  - insert: log_t
    for_each: $source.offset
    set: { topic: a, part: 0, off: 1 }
  - log: events_t
`)).toEqual([
      'spec.yaml:12:13 error E_UNKNOWN_TABLE unknown table nowhere; this projection declares: log_t, events_t',
      expect.stringMatching(/^spec\.yaml:15:19 error E_VALUE_SYNTAX "\$source\.topik" is not a path: .*the message itself is \$raw, \$source\.topic, \$source\.partition, \$source\.offset, \$source\.key, \$source\.timestamp, \$type, \$now\)$/),
      'spec.yaml:15:64 error E_UNKNOWN_COLUMN unknown column nope in table log_t; columns: topic, part, off, code, raw',
      'spec.yaml:17:15 error E_VALUE_SYNTAX "$source.offset" is the message\'s metadata, not a path: expected $.field or $item.field here',
      'spec.yaml:19:10 error E_LOG_WITHOUT_ID a default route takes messages that may have no event type or id, and a log table records both: insert into a table keyed by $source.topic, $source.partition and $source.offset instead',
    ]);
  });

  it('accepts id: none, refuses another word, and refuses a log table without ids', () => {
    expect(check(HEAD.replace('topics: [t]\n', 'topics: [t]\nenvelope: { id: none }\n') + `on:
  A:
    - log: events_t
`)).toEqual(['spec.yaml:14:12 error E_LOG_WITHOUT_ID the envelope says id: none, and a log table records each event\'s id: insert into a table keyed by $source.topic, $source.partition and $source.offset instead']);
    expect(check(HEAD.replace('topics: [t]\n', 'topics: [t]\nenvelope: { id: nothing }\n') + `default:
  - insert: log_t
    set: { topic: $source.topic, part: 0, off: 1 }
`)).toEqual(['spec.yaml:4:17 error E_VALUE_SYNTAX expected a path starting with $, or none (messages without ids), got "nothing"']);
  });

  it('keeps a default route\'s tables to its projection within the group', () => {
    const other = `---
projection: q
group: g
topics: [t]
tables:
  log_t:
    key: [topic, part, off]
    columns: { topic: { type: string, length: 249 }, part: int, off: bigint, code: { type: text, nullable: true }, raw: { type: json, nullable: true } }
on:
  B:
    - insert: log_t
      set: { topic: x, part: 0, off: $.n }
`;
    expect(check(`${HEAD.replace(/ {2}events_t:\n.*\n.*\n/u, '')}default:
  - insert: log_t
    set: { topic: $source.topic, part: 0, off: 1 }
${other}`)).toEqual([
      'spec.yaml:8:1 error E_GROUP_CONFLICT the default route of p writes log_t, which q of group g also writes (spec.yaml:12:1): a default route\'s tables belong to its projection within the group',
    ]);
  });
});
