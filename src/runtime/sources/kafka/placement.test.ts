import { describe, expect, it } from 'vitest';
import { placement } from './placement.js';

describe('placement: the database position is the truth, both ways', () => {
  it('no stored position: earliest (or latest), whatever Kafka committed', () => {
    expect(placement(undefined, 500, 0, 900, 'earliest')).toEqual({ case: 'none', offset: 0 });
    expect(placement(undefined, 500, 40, 900, 'earliest')).toEqual({ case: 'none', offset: 40 });
    expect(placement(undefined, 500, 0, 900, 'latest')).toEqual({ case: 'none', offset: 900 });
  });
  it('stored behind, ahead or equal to Kafka: the stored one', () => {
    expect(placement(300, 500, 0, 900, 'earliest')).toEqual({ case: 'behind-kafka', offset: 300 });
    expect(placement(600, 500, 0, 900, 'earliest')).toEqual({ case: 'ahead-of-kafka', offset: 600 });
    expect(placement(600, -1, 0, 900, 'earliest')).toEqual({ case: 'ahead-of-kafka', offset: 600 });
    expect(placement(500, 500, 0, 900, 'latest')).toEqual({ case: 'resume', offset: 500 });
    expect(placement(900, 900, 0, 900, 'earliest')).toEqual({ case: 'resume', offset: 900 });
  });
  it('stored beyond the end or below the start: out of range', () => {
    expect(placement(901, 900, 0, 900, 'earliest').case).toBe('beyond-end');
    expect(placement(10, 10, 40, 900, 'earliest').case).toBe('below-start');
  });
});
