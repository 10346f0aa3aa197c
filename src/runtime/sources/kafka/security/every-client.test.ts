/**
 * Issue 21: every Kafka client of the process (consumers, the dead-letter producer, the admin,
 * `status`, `rebuild`) is secured by the same configuration. kafkajs' Kafka is created in one
 * place (client.ts, which spreads `security`), and each call of it passes the security along.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? sources(p) : p.endsWith('.ts') && !p.endsWith('.test.ts') ? [p] : [];
  });
}

describe('every Kafka client gets the security settings', () => {
  const files = sources('src').map((f) => ({ f, text: readFileSync(f, 'utf8') }));

  it('creates kafkajs clients only in kafkaClient, which passes ssl and sasl', () => {
    expect(files.filter((x) => /new Kafka\(/.test(x.text)).map((x) => x.f)).toEqual([join('src', 'runtime', 'sources', 'kafka', 'client.ts')]);
    const client = files.find((x) => x.f.endsWith(join('kafka', 'client.ts')))?.text ?? '';
    expect(client).toContain('ssl: o.security.ssl');
    expect(client).toContain('sasl: kafkajsSasl(o.security.sasl)');
  });

  it('passes security at every kafkaClient(...) call', () => {
    const calls = files.flatMap((x) => [...x.text.matchAll(/kafkaClient\((\{[^)]*\}|o)\)/g)].map((m) => ({ f: x.f, args: m[1] as string })));
    expect(calls.length).toBeGreaterThanOrEqual(4);
    // start.ts hands its whole options (KafkaOptions, with security) through.
    expect(calls.filter((c) => c.args !== 'o' && !/\bsecurity\b/.test(c.args))).toEqual([]);
  });
});
