/** Issue 22: a schema registry that does not answer makes /readyz not ready past the outage threshold, naming it and the cause. */
import { describe, expect, it } from 'vitest';
import { readiness, type HealthState } from './health.js';

const base: HealthState = { now: 100_000, started: true, stopping: false, groups: [{ group: 'g', joined: true }], lastTick: 99_000, tickIntervalMs: 5000, outageThresholdMs: 15_000 };
const down = (since: number): HealthState['registryDown'] => ({ since, registry: 'http://127.0.0.1:8085/apis/ccompat/v7', cause: 'http://127.0.0.1:8085/apis/ccompat/v7 does not answer: connect ECONNREFUSED 127.0.0.1:8085' });

describe('readiness and the schema registry', () => {
  it('stays ready through a short registry outage and says it is failing', () => {
    const r = readiness({ ...base, registryDown: down(90_000) });
    expect(r.ok).toBe(true);
    expect(r.checks).toMatchObject({ schema_registry: 'failing', schema_registry_outage_s: 10 });
  });

  it('is not ready once the registry has not answered past the threshold, naming it and the cause', () => {
    const r = readiness({ ...base, registryDown: down(80_000) });
    expect(r.ok).toBe(false);
    expect(r.reasons).toEqual(['the schema registry http://127.0.0.1:8085/apis/ccompat/v7 has not answered for 20 s (consumption paused): http://127.0.0.1:8085/apis/ccompat/v7 does not answer: connect ECONNREFUSED 127.0.0.1:8085']);
  });

  it('says nothing of a registry while it answers', () => {
    expect(readiness(base).checks).not.toHaveProperty('schema_registry');
  });
});
