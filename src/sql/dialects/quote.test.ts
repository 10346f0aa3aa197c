/** Each dialect's quote() escapes its own quote character and leaves ordinary names as before. */
import { describe, expect, it } from 'vitest';
import { dialectOf } from './index.js';

describe('quote', () => {
  it('wraps ordinary names exactly as the builders always did', () => {
    expect(dialectOf('mysql').quote('sc_processed_events')).toBe('`sc_processed_events`');
    expect(dialectOf('sqlite').quote('sc_processed_events')).toBe('"sc_processed_events"');
  });

  it('doubles an embedded quote character, and only its own', () => {
    expect(dialectOf('mysql').quote('a`b"c')).toBe('`a``b"c`');
    expect(dialectOf('sqlite').quote('a`b"c')).toBe('"a`b""c"');
  });

  it('drops an index the way each database names it', () => {
    expect(dialectOf('mysql').dropIndex('idx_t_a', 't')).toBe('drop index `idx_t_a` on `t`');
    expect(dialectOf('sqlite').dropIndex('idx_t_a', 't')).toBe('drop index "idx_t_a"');
  });
});
