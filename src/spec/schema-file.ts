/** The JSON Schema, read once from `schemas/` (the one source of truth for the spec language). */
import { readFileSync } from 'node:fs';

// Works from src/ (tests) and dist/ (the built CLI): both are one level below the package root.
const SCHEMA_URL = new URL('../../schemas/projection.schema.json', import.meta.url);

export const projectionSchema: Record<string, unknown> = JSON.parse(readFileSync(SCHEMA_URL, 'utf8')) as Record<string, unknown>;

const FIXTURE_URL = new URL('../../schemas/fixture.schema.json', import.meta.url);

export const fixtureSchema: Record<string, unknown> = JSON.parse(readFileSync(FIXTURE_URL, 'utf8')) as Record<string, unknown>;
