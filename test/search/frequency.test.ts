// Frequency claims (Pr[event] ≥ bound) and aggregates over seeds: exact binomial intervals, the
// three outcomes, and a search that judges every trial instead of stopping at the first "failure".
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadClaimText } from '../../src/claims/load.js';
import type { SearchSpec } from '../../src/claims/schema.js';
import { summarize } from '../../src/search/boundary.js';
import { binomialCdf, clopperPearson, judgeFrequency } from '../../src/search/frequency.js';
import { inlineRunner } from '../../src/search/pool.js';
import { runSearch } from '../../src/search/search.js';
import { claimText, fcRuns, searchFixture } from '../helpers.js';

const fixture = (search: string): SearchSpec => searchFixture(search);

describe('exact binomial intervals', () => {
  it('match closed forms at the ends and known values', () => {
    // k = 0: upper = 1 − (α/2)^{1/n}; k = n: lower = (α/2)^{1/n}
    expect(clopperPearson(0, 10, 0.95).hi).toBeCloseTo(1 - 0.025 ** (1 / 10), 10);
    expect(clopperPearson(10, 10, 0.95).lo).toBeCloseTo(0.025 ** (1 / 10), 10);
    // the beta-quantile form, from SciPy: beta.ppf(0.025, 79, 210), beta.ppf(0.975, 80, 209)
    const ci = clopperPearson(79, 288, 0.95);
    expect(ci.lo).toBeCloseTo(0.22360057009833148, 9);
    expect(ci.hi).toBeCloseTo(0.3297217120639198, 9);
  });

  it('have their defining tail probabilities, and contain k/n (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 300 }), fc.double({ min: 0, max: 1, noNaN: true }), (n, u) => {
        const k = Math.min(n, Math.floor(u * (n + 1)));
        const { lo, hi } = clopperPearson(k, n, 0.99);
        expect(lo).toBeLessThanOrEqual(k / n + 1e-12);
        expect(hi).toBeGreaterThanOrEqual(k / n - 1e-12);
        if (k < n) expect(binomialCdf(k, n, hi)).toBeCloseTo(0.005, 6);
        if (k > 0) expect(1 - binomialCdf(k - 1, n, lo)).toBeCloseTo(0.005, 6);
      }),
      fcRuns(60),
    );
  });

  it('judge a lower bound three ways', () => {
    expect(judgeFrequency(79, 288, 0.1266, 0.99, 'b', 'r').outcome).toBe('above');
    expect(judgeFrequency(79, 288, 0.9, 0.99, 'b', 'r').outcome).toBe('below');
    expect(judgeFrequency(79, 288, 0.27, 0.99, 'b', 'r').outcome).toBe('consistent');
  });
});

describe('frequency claims in a search', () => {
  // the sign of a standard Gaussian entry: an event of probability 1/2
  const search = (bound: string) => `trials: 200
seed: 7
space: { m: { grid: [1] } }
model: { block: two-layer, d: 2, width: 1, w_scale: 1 }
metrics: { w: { block: layer-entry, layer: W, col: 0 } }
property: 'w > 0'
frequency: { at_least: '${bound}', confidence: 0.99 }`;

  it('judges every trial, and holds when the interval clears the bound', async () => {
    const r = await runSearch(fixture(search('0.3')), { claimId: 't.fixture', runner: inlineRunner() });
    expect(r.trialsRun).toBe(200);
    expect(r.witness).toBeUndefined();
    expect(r.frequency!.events).toBe(r.counts.pass);
    expect(r.frequency!.rate).toBeGreaterThan(0.38);
    expect(r.frequency!.rate).toBeLessThan(0.62);
    expect(r.verdict).toBe('holds');
    expect(r.frequency!.replay).toBe('npx claimcheck run t.fixture --seed 7 --trials 200 --out reports/replay');
  });

  it('is refuted when the whole interval lies below the bound, and survives (saying so) when the interval contains it', async () => {
    const low = await runSearch(fixture(search('0.8')), { claimId: 't', runner: inlineRunner() });
    expect(low.verdict).toBe('refuted');
    expect(low.reason).toMatch(/lies below the claimed 0\.8/);
    const near = await runSearch(fixture(search('0.5')), { claimId: 't', runner: inlineRunner() });
    expect(near.verdict).toBe('holds');
    expect(near.frequency!.outcome).toBe('consistent');
    expect(near.reason).toMatch(/not rejected, though not shown to exceed it/);
  });

  it('rejects a bound that uses a quantity of the trial', () => {
    const text = claimText({
      id: 't.f',
      title: 'f',
      search: `space: { m: { grid: [1] } }\nmodel: { block: two-layer, d: 2, width: 1, w_scale: 1 }\nmetrics: { w: { block: layer-entry, layer: W, col: 0 } }\nproperty: 'w > 0'\nfrequency: { at_least: 'w / 2' }`,
    });
    const r = loadClaimText('f.yaml', text, 't');
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.errors.map((e) => `${e.path}: ${e.message}`).join('\n')).toMatch(/search\.frequency\.at_least: unknown name "w"/);
  });
});

describe('aggregates over seeds', () => {
  it('median with quartiles, mean with standard error, fraction with an exact interval', () => {
    expect(summarize([1, 2, 3, 4, 5], 'median')).toEqual({ value: 3, lo: 2, hi: 4 });
    const m = summarize([1, 3], 'mean');
    expect(m.value).toBe(2);
    expect(m.hi - m.value).toBeCloseTo(1, 12);
    const f = summarize([1, 0, 0, 1], 'fraction');
    expect(f.value).toBe(0.5);
    expect(f).toMatchObject(clopperPearson(2, 4, 0.95));
  });
});
