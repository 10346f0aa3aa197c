/**
 * OAUTHBEARER tokens (issue 21): read from a file or a command, held while fresh, fetched again
 * before they expire (so a re-authentication never presents a stale one), never sent expired,
 * and every failure a line naming where the token was configured, never the token.
 */
import { describe, expect, it } from 'vitest';
import { redactUrls } from '../../../../redact.js';
import { jwtExpiry, tokenProvider, type TokenDeps } from './oauth.js';

const jwt = (claims: Record<string, unknown>): string =>
  `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.`;

function deps(o: { file?: () => string; command?: () => Promise<string>; now: { t: number } }): TokenDeps & { reads: number } {
  const d = {
    reads: 0,
    readFile: () => { d.reads++; return (o.file ?? (() => { throw Object.assign(new Error('x'), { code: 'ENOENT' }); }))(); },
    runCommand: async () => { d.reads++; return (o.command ?? (async () => ''))(); },
    now: () => o.now.t,
  };
  return d;
}

describe('jwtExpiry', () => {
  it("reads a JWT's exp in ms; anything else has none", () => {
    expect(jwtExpiry(jwt({ sub: 'a', exp: 1700000000 }))).toBe(1_700_000_000_000);
    expect(jwtExpiry(jwt({ sub: 'a' }))).toBeUndefined();
    expect(jwtExpiry('opaque-token')).toBeUndefined();
    expect(jwtExpiry('a.!!!.c')).toBeUndefined();
  });
});

describe('tokenProvider', () => {
  const src = { kind: 'file' as const, value: '/run/token', where: 'c.properties:3' };

  it('holds a JWT while fresh and reads it again when less than a fifth of its life (at least 30 s) is left', async () => {
    const clock = { t: 1_000_000_000_000 };
    let current = jwt({ sub: 'a', exp: clock.t / 1000 + 600 });
    const d = deps({ file: () => current, now: clock });
    const token = tokenProvider(src, d);
    expect((await token()).value).toBe(current);
    clock.t += 400_000;
    await token();
    expect(d.reads).toBe(1);
    const old = current;
    current = jwt({ sub: 'a', exp: clock.t / 1000 + 600 });
    clock.t += 90_000; // 110 s left of 600: under a fifth
    expect((await token()).value).toBe(current);
    expect(d.reads).toBe(2);
    expect(current).not.toBe(old);
  });

  it('never sends an expired token: an error naming where it is configured', async () => {
    const clock = { t: 2_000_000_000_000 };
    const d = deps({ file: () => jwt({ sub: 'a', exp: clock.t / 1000 - 5 }), now: clock });
    await expect(tokenProvider(src, d)()).rejects.toThrow('c.properties:3: the OAUTHBEARER token (sasl.oauthbearer.token.location) expired at 2033-05-18T03:33:15.000Z: refresh it');
  });

  it('reads an opaque token from a file at every authentication, and runs a command again after a minute', async () => {
    const clock = { t: 0 };
    const f = deps({ file: () => 'opaque-1\n', now: clock });
    const fromFile = tokenProvider(src, f);
    await fromFile();
    await fromFile();
    expect(f.reads).toBe(2);
    const c = deps({ command: async () => 'opaque-2\n', now: clock });
    const fromCommand = tokenProvider({ kind: 'command', value: 'get-token', where: 'KAFKA_SASL_OAUTHBEARER_TOKEN_COMMAND' }, c);
    expect((await fromCommand()).value).toBe('opaque-2');
    clock.t += 59_000;
    await fromCommand();
    expect(c.reads).toBe(1);
    clock.t += 2_000;
    await fromCommand();
    expect(c.reads).toBe(2);
  });

  it('says why no token could be had, without the token; a token read is hidden from output', async () => {
    const clock = { t: 0 };
    await expect(tokenProvider(src, deps({ now: clock }))()).rejects.toThrow('c.properties:3: sasl.oauthbearer.token.location: cannot read /run/token (ENOENT)');
    await expect(tokenProvider(src, deps({ file: () => ' \n', now: clock }))()).rejects.toThrow('c.properties:3: sasl.oauthbearer.token.location gave no token');
    await expect(tokenProvider(src, deps({ file: () => 'two words', now: clock }))()).rejects.toThrow('gave text with spaces, not a token');
    const cmd = { kind: 'command' as const, value: 'get-token', where: 'c.properties:4' };
    await expect(tokenProvider(cmd, deps({ command: async () => { throw new Error('exited with 2: not logged in'); }, now: clock }))()).rejects.toThrow('c.properties:4: sasl.oauthbearer.token.command: the command failed: exited with 2: not logged in');
    await tokenProvider(src, deps({ file: () => 'sekret-token-value', now: clock }))();
    expect(redactUrls('sent sekret-token-value')).toBe('sent ***');
  });
});
