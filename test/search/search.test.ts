import { afterAll, describe, expect, it } from 'vitest';
import { loadClaims, loadClaimText, type LoadedClaim } from '../../src/claims/load.js';
import type { SearchSpec } from '../../src/claims/schema.js';
import { checkClaim } from '../../src/runner.js';
import { createPool, inlineRunner } from '../../src/search/pool.js';
import { replayValuesCommand, runSearch, valuesAtPath, type SearchResult } from '../../src/search/search.js';
import { runTrial } from '../../src/search/trial.js';
import { CLAIMS_DIR, claimText, searchFixture } from '../helpers.js';

const { claims } = loadClaims([CLAIMS_DIR]);
function claim(id: string): LoadedClaim {
  const c = claims.find((x) => x.ok && x.claim.id === id);
  if (!c || !c.ok) throw new Error(`no valid claim ${id}`);
  return c;
}
const inline = inlineRunner();
const pool = createPool(2);
afterAll(() => pool.close());

function stripTimes(r: SearchResult): unknown {
  return JSON.parse(JSON.stringify(r, (k, v) => (k === 'ms' || k === 'trialsPerSecond' || k === 'workerMs' || k === 'reusedTrials' ? 0 : v)));
}

const fixture = (search: string): SearchSpec => searchFixture(search);

describe('falsification search', () => {
  it('refutes the false stable-rank claim with a small genuine witness that replays', async () => {
    const c = claim('frei2022.gaussian-srank-at-most-2');
    const r = await runSearch(c.claim.search!, { claimId: c.claim.id, runner: inline });
    expect(r.verdict).toBe('refuted');
    const w = r.witness!;
    expect(w.status).toBe('genuine');
    expect(w.result.status).toBe('fail');
    expect(w.values.m * w.values.d).toBeLessThanOrEqual(w.original.values.m * w.original.values.d);
    expect(w.result.quantities.srank).toBeGreaterThan(2);
    // replay: seed + path (random phase) or the values (covering design, guided phase) name exactly this trial
    const replayed = w.path !== undefined ? valuesAtPath(c.claim.search!, w.seed, w.path) : w.values;
    expect(replayed).toEqual(w.values);
    expect(runTrial(c.claim.search!, replayed).quantities.srank).toBe(w.result.quantities.srank);
    expect(w.replay).toBe(
      w.path !== undefined ? `npx claimcheck replay ${c.claim.id} --seed ${w.seed} --path ${w.path}` : replayValuesCommand(c.claim.id, w.values),
    );
  });

  it('refutes "‖w‖ − |v| is conserved" both symbolically and by search', async () => {
    const bad = await checkClaim(claim('vardi2021.norm-difference-conserved'), { runner: pool, trials: 12 });
    expect(bad.verdict).toBe('refuted');
    expect(bad.matches).toBe(true);
    expect(bad.search!.witness!.status).toBe('genuine');
    expect(bad.symbolic[0].verdict).toBe('refuted');
    // (vardi2021.balancedness holding at full size is checked in test/runner/every-claim.test.ts)
  });

  it('can fail the P1 claim: a wrong prediction is refuted by the same search', async () => {
    const spec = claim('frei2022.p1-init-stable-rank').claim.search!;
    const wrong: SearchSpec = { ...spec, let: { ...spec.let, predicted: 'm * d / (m + d)' } };
    const r = await runSearch(wrong, { claimId: 'mutant', runner: inline, trials: 60 });
    expect(r.verdict).toBe('refuted');
    const right = await runSearch(spec, { claimId: 'p1', runner: inline });
    expect(right.verdict).toBe('holds');
  });

  it('gives the same result for the same seed, whatever the number of workers', async () => {
    const c = claim('frei2022.gaussian-srank-at-most-2');
    const a = await runSearch(c.claim.search!, { claimId: 'x', runner: inline, seed: 99 });
    const b = await runSearch(c.claim.search!, { claimId: 'x', runner: pool, seed: 99 });
    expect(stripTimes(b)).toEqual(stripTimes(a));
    const other = await runSearch(c.claim.search!, { claimId: 'x', runner: inline, seed: 100 });
    expect(other.witness!.original.values).not.toEqual(a.witness!.original.values);
  });

  it('records diverging trials as diverged, with parameters, and never as passes', async () => {
    const spec = fixture(`trials: 6
guided: { trials: 2 }
space: { eta: { grid: [50, 100] } }
data: { block: isotropic-gaussian, n: 4, d: 3, labels: gaussian }
model: { block: two-layer, d: 3, width: 3, w_scale: 1 }
loss: { block: square }
dynamics: { block: gradient-descent, steps: 2000, eta: eta }
metrics: { lossT: { block: loss } }
property: 'lossT >= 0'`);
    const r = await runSearch(spec, { claimId: 't', runner: inline });
    // 6 trials, then 2 guided ones
    expect(r.trialsRun).toBe(8);
    expect(r.counts.diverged).toBe(8);
    expect(r.counts.pass).toBe(0);
    expect(r.verdict).toBe('inconclusive');
    expect(r.problems[0].values.eta).toBeDefined();
    expect(r.problems[0].message).toMatch(/diverged/);
  });

  it('records a trial past its time limit as timeout, and goes on with the others', async () => {
    const spec = fixture(`trials: 3
timeout_s: 0.3
guided: { trials: 1 }
space: { T: { grid: [1000000] } }
data: { block: isotropic-gaussian, n: 30, d: 30, labels: gaussian }
model: { block: two-layer, d: 30, width: 30, w_scale: 1 }
loss: { block: square }
dynamics: { block: gradient-flow, time: T, rtol: 1e-13, max_steps: 100000000 }
metrics: { lossT: { block: loss } }
property: 'lossT >= 0'`);
    const r = await runSearch(spec, { claimId: 't', runner: pool });
    expect(r.counts.timeout).toBe(4); // 3 trials and 1 guided
    expect(r.verdict).toBe('inconclusive');
  });

  it('a smaller --trials never lowers the claim’s min_in_regime: too few trials is inconclusive', async () => {
    const spec = fixture(`trials: 100
min_in_regime: 40
space: { m: { int: [1, 3] } }
model: { block: two-layer, d: 2, width: m, w_scale: 1 }
metrics: { srank: { block: stable-rank, layer: W } }
property: 'srank >= 1'`);
    const r = await runSearch(spec, { claimId: 't', runner: inline, trials: 1 });
    expect(r.counts.pass).toBeGreaterThan(0);
    expect(r.verdict).toBe('inconclusive');
    expect(r.reason).toMatch(/at least 40 needed/);
  });

  it('counts trials outside the hypotheses as out of regime, not as evidence', async () => {
    const spec = fixture(`trials: 8
space: { m: { int: [1, 3] } }
model: { block: two-layer, d: 2, width: m, w_scale: 1 }
metrics: { srank: { block: stable-rank, layer: W } }
hypotheses: { never: 'm > 10' }
property: 'srank > 100'`);
    const r = await runSearch(spec, { claimId: 't', runner: inline });
    expect(r.counts['out-of-regime']).toBe(16); // 8 trials and 8 guided
    expect(r.verdict).toBe('inconclusive');
    expect(r.reason).toMatch(/only 0 of 16 trials were inside the hypotheses/);
  });
});

describe('search variants', () => {
  it('re-run the same trial with changed variables and expose metric_variant', () => {
    const spec = fixture(`trials: 2
space: { m: { int: [2, 4] }, d: { int: [3, 5] } }
model: { block: two-layer, d: d, width: m, w_scale: 1 }
metrics: { srank: { block: stable-rank, layer: W } }
variants: { wide: { m: 'm + 3' } }
property: 'srank_wide >= 1'`);
    const r = runTrial(spec, { m: 2, d: 4, seed: 7 });
    expect(r.status).toBe('pass');
    const direct = runTrial({ ...spec, variants: {}, property: 'srank >= 1' }, { m: 5, d: 4, seed: 7 });
    expect(r.quantities.srank_wide).toBe(direct.quantities.srank);
    expect(r.quantities.srank).not.toBe(r.quantities.srank_wide);
  });

  it('are validated: only space variables can change', () => {
    const text = claimText({
      id: 't.v',
      title: 't',
      search: `space: { m: { int: [2, 4] } }
model: { block: two-layer, d: 3, width: m, w_scale: 1 }
metrics: { srank: { block: stable-rank, layer: W } }
variants: { b: { width: 3 } }
property: 'srank_b >= 1'`,
    });
    const r = loadClaimText('v.yaml', text, 't');
    expect(r.ok).toBe(false);
    expect(!r.ok && r.errors[0].message).toMatch(/a variant changes variables of the space; "width" is not one/);
  });
});
