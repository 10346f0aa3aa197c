import { describe, expect, it } from 'vitest';
import { parseProperties } from './properties.js';

describe('parseProperties (java.util.Properties#load)', () => {
  it('reads = : and blank separators, skips # and ! comments, and keeps each entry\'s line', () => {
    const text = ['# a comment', '', 'security.protocol=SASL_SSL', '  ! another', 'sasl.mechanism : SCRAM-SHA-512', 'ssl.ca.location /etc/ca.pem', 'ssl.endpoint.identification.algorithm='].join('\n');
    expect(parseProperties(text)).toEqual([
      { key: 'security.protocol', value: 'SASL_SSL', line: 3 },
      { key: 'sasl.mechanism', value: 'SCRAM-SHA-512', line: 5 },
      { key: 'ssl.ca.location', value: '/etc/ca.pem', line: 6 },
      { key: 'ssl.endpoint.identification.algorithm', value: '', line: 7 },
    ]);
  });

  it('joins a line ending in a backslash with the next (its indentation dropped), as Confluent\'s JAAS examples are written', () => {
    const text = 'a=1\r\nsasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required \\\n    username="k" \\\n    password="s";\nb=2';
    expect(parseProperties(text)).toEqual([
      { key: 'a', value: '1', line: 1 },
      { key: 'sasl.jaas.config', value: 'org.apache.kafka.common.security.plain.PlainLoginModule required username="k" password="s";', line: 2 },
      { key: 'b', value: '2', line: 5 },
    ]);
  });

  it('unescapes \\\\, \\t, \\uXXXX and escaped separators; an even run of backslashes does not continue', () => {
    const text = 'path=C:\\\\certs\\\\ca.pem\nk\\=ey=v\\u00e9\\tx\nend=a\\\\\\\\\nnext=1';
    expect(parseProperties(text)).toEqual([
      { key: 'path', value: 'C:\\certs\\ca.pem', line: 1 },
      { key: 'k=ey', value: 'vé\tx', line: 2 },
      { key: 'end', value: 'a\\\\', line: 3 },
      { key: 'next', value: '1', line: 4 },
    ]);
  });
});
