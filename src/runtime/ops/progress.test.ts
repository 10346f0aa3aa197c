import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { countLines, createProgress, formatSeconds, progressFields, progressFigures } from './progress.js';

describe('progress', () => {
  it('computes rate, percent and ETA from done, total and elapsed time', () => {
    expect(progressFigures(250, 1000, 5000)).toEqual({ done: 250, total: 1000, percent: 25, rate: 50, etaS: 15, elapsedS: 5 });
    expect(progressFigures(0, 1000, 0)).toEqual({ done: 0, total: 1000, percent: 0, rate: 0, elapsedS: 0 });
    expect(progressFigures(10, undefined, 2000)).toEqual({ done: 10, rate: 5, elapsedS: 2 });
    // Done past a total that was an estimate: 100 %, nothing left.
    expect(progressFigures(12, 10, 1000)).toMatchObject({ percent: 100, etaS: 0 });
  });

  it('formats durations and plain-line fields', () => {
    expect(formatSeconds(12.4)).toBe('12s');
    expect(formatSeconds(245)).toBe('4m05s');
    expect(formatSeconds(3720)).toBe('1h02m');
    expect(progressFields(progressFigures(250, 1000, 5000))).toEqual({ done: 250, total: 1000, percent: 25, per_s: 50, eta: '15s', elapsed: '5s' });
  });

  it('writes periodic plain lines off a terminal and one at the end', async () => {
    const lines: Array<[string, Record<string, unknown> | undefined]> = [];
    const log = { info: (m: string, f?: Record<string, unknown>) => lines.push([m, f]), warn: () => undefined, error: () => undefined };
    let t = 0;
    const p = createProgress({ label: 'file', total: 100, log, tty: false, intervalMs: 20, now: () => t });
    t = 1000;
    p.advance(40);
    await new Promise((r) => setTimeout(r, 70));
    expect(lines.length).toBeGreaterThan(0);
    expect(lines[0]).toEqual(['progress', { what: 'file', unit: 'messages', done: 40, total: 100, percent: 40, per_s: 40, eta: '2s', elapsed: '1s' }]);
    p.advance(60);
    p.finish();
    p.finish();
    const last = lines.at(-1);
    expect(last?.[0]).toBe('progress done');
    expect(last?.[1]).toMatchObject({ done: 100, percent: 100 });
    expect(lines.filter((l) => l[0] === 'progress done')).toHaveLength(1);
    const n = lines.length;
    await new Promise((r) => setTimeout(r, 50));
    expect(lines.length).toBe(n);
  });

  it('draws a bar on a terminal stream', () => {
    let out = '';
    const fake = { isTTY: true, columns: 100, write: (s: string) => { out += s; return true; }, cursorTo: () => true, clearLine: () => true, moveCursor: () => true, on: () => fake, removeListener: () => fake } as unknown as NodeJS.WriteStream;
    const p = createProgress({ label: 'file', total: 10, tty: true, stream: fake });
    p.advance(5);
    p.finish();
    expect(out).toContain('file [');
    expect(out).toMatch(/\| \d+\/10 \|/);
  });

  it('counts the lines of a file, with or without a final newline', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sc-progress-'));
    writeFileSync(join(dir, 'a'), 'x\ny\nz\n');
    writeFileSync(join(dir, 'b'), 'x\ny\nz');
    writeFileSync(join(dir, 'c'), '');
    expect(await countLines(join(dir, 'a'))).toBe(3);
    expect(await countLines(join(dir, 'b'))).toBe(3);
    expect(await countLines(join(dir, 'c'))).toBe(0);
  });
});
