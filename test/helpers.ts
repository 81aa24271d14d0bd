import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { loadClaimText, type LoadedClaim } from '../src/claims/load.js';
import type { SearchSpec } from '../src/claims/schema.js';
import type { Objective } from '../src/numeric/objective.js';

/** fast-check settings: a fixed seed in CI (override with FC_SEED); fast-check prints seed and path on failure. */
export const FC_SEED = Number(process.env.FC_SEED ?? 20261123);
export const fcRuns = (numRuns: number) => ({ seed: FC_SEED, numRuns });

/** A throw-away claims folder holding one paper and the given claim files. */
export function claimsFixture(files: Record<string, string>, paperKey = 'testpaper'): string {
  const root = mkdtempSync(join(tmpdir(), 'claimcheck-'));
  const dir = join(root, paperKey);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'paper.yaml'), `key: ${paperKey}\nauthors: [A. Author]\ntitle: A test paper\nyear: 2024\n`);
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

/** L(θ) = ½ Σ_i a_i θ_i²: gradient flow has the closed form θ_i(t) = θ_i(0) e^{−a_i t}. */
export const quadratic = (A: number[]): Objective => ({
  nParams: A.length,
  value: (t) => 0.5 * A.reduce((s, a, i) => s + a * t[i] * t[i], 0),
  valueAndGrad(t, g) {
    A.forEach((a, i) => (g[i] = a * t[i]));
    return this.value(t);
  },
});

/** Central finite differences of L at θ, coordinate by coordinate. */
export function fdGradient(obj: Objective, theta: Float64Array, h = 1e-6): Float64Array {
  const g = new Float64Array(theta.length);
  const t = Float64Array.from(theta);
  for (let i = 0; i < theta.length; i++) {
    t[i] = theta[i] + h;
    const a = obj.value(t);
    t[i] = theta[i] - h;
    const b = obj.value(t);
    t[i] = theta[i];
    g[i] = (a - b) / (2 * h);
  }
  return g;
}

/** The objective's hand-derived gradient at θ agrees with central differences, coordinate by coordinate, to tol·(1 + |fd|). */
export function expectGradientMatchesFD(obj: Objective, theta: Float64Array, tol: number): void {
  const g = new Float64Array(theta.length);
  obj.valueAndGrad(theta, g);
  const fd = fdGradient(obj, theta);
  for (let i = 0; i < theta.length; i++) expect(Math.abs(fd[i] - g[i]), `coordinate ${i}`).toBeLessThan(tol * (1 + Math.abs(fd[i])));
}

/** A report.json's text with every timing and the environment blanked: what must be byte-identical between runs. */
export function reportWithoutTimings(text: string): string {
  const timing = new Set(['ms', 'wallMs', 'trialsPerSecond', 'reusedTrials', 'generatedAt', 'environment']);
  return JSON.stringify(JSON.parse(text, (k, v) => (timing.has(k) ? '(timing)' : v)), null, 1);
}

/** The text of a minimal claim file around a search section (YAML, unindented). */
export function claimWithSearch(search: string, id = 't.fixture'): string {
  return `id: ${id}\ntitle: fixture\nstatement: { text: t, latex: t }\nsource: { location: here }\nprovenance: D\nexpect: holds\nsearch:\n${search.replace(/^/gm, '  ')}\n`;
}

/** A minimal loaded claim around a search section; throws with the validation errors if it is invalid. */
export function loadedWithSearch(search: string, id = 't.fixture'): LoadedClaim {
  const r = loadClaimText(`${id}.yaml`, claimWithSearch(search, id), 't');
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r;
}

export const searchFixture = (search: string, id?: string): SearchSpec => loadedWithSearch(search, id).claim.search!;
