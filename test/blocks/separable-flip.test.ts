// linearly-separable data with label noise (flip = p): the same points, each label flipped with
// probability p; on data no line through the origin separates, the SVM metrics are NaN and the trial
// says why (a refutation target may drop a separability premise without a crash).
import { describe, expect, it } from 'vitest';
import { BLOCKS } from '../../src/blocks/index.js';
import { formatError, loadClaimText } from '../../src/claims/load.js';
import { compileExpr } from '../../src/core/expr.js';
import type { Dataset } from '../../src/numeric/data.js';
import { separableThroughOrigin } from '../../src/numeric/maxmargin.js';
import { Rng } from '../../src/numeric/rng.js';
import { inlineRunner } from '../../src/search/pool.js';
import { runSearch } from '../../src/search/search.js';
import { runTrial } from '../../src/search/trial.js';
import { claimWithSearch, searchFixture } from '../helpers.js';

function data(raw: Record<string, unknown>, seed = 5): Dataset {
  const def = BLOCKS.data.get('linearly-separable')!;
  const num = (v: number | string) => (typeof v === 'number' ? v : compileExpr(v).value({}));
  return def.create(def.params.parse(raw) as never, { num, int: num, rng: new Rng(seed), scope: {} }) as Dataset;
}

describe('linearly-separable with flip', () => {
  it('flip: 0 is the block without it, bit for bit', () => {
    const a = data({ n: 40, d: 3, margin: 0.1 }),
      b = data({ n: 40, d: 3, margin: 0.1, flip: 0 });
    expect(b.X.data).toEqual(a.X.data);
    expect(b.y).toEqual(a.y);
  });

  it('flip: p keeps the points and flips about p·n labels, independently of the points; the data are then not separable', () => {
    const clean = data({ n: 400, d: 2, teacher: [1, 0] });
    const noisy = data({ n: 400, d: 2, teacher: [1, 0], flip: 0.25 });
    expect(noisy.X.data).toEqual(clean.X.data);
    const flipped = Array.from(noisy.y).filter((y, i) => y !== clean.y[i]).length;
    // Binomial(400, 0.25): mean 100, sd ≈ 8.7
    expect(Math.abs(flipped - 100)).toBeLessThan(35);
    expect(separableThroughOrigin(clean.X, clean.y)).toBe(true);
    expect(separableThroughOrigin(noisy.X, noisy.y)).toBe(false);
    expect(data({ n: 400, d: 2, flip: 1 }).y).toEqual(data({ n: 400, d: 2 }).y.map((y) => -y));
  });

  it('a flip outside [0, 1] is invalid at validation', () => {
    const search = `trials: 1\nspace: { p: { grid: [0.1, 1.5] } }\ndata: { block: linearly-separable, n: 4, d: 2, flip: p }\nmodel: { block: linear, d: 2 }\nloss: { block: logistic }\nmetrics: { l: { block: loss } }\nproperty: 'l >= 0'`;
    const r = loadClaimText('x.yaml', claimWithSearch(search), 't');
    expect(r.ok ? [] : r.errors.map(formatError)).toEqual([
      expect.stringContaining('search.data.flip: data block "linearly-separable": flip must lie in [0, 1], found values from 0.1 to 1.5'),
    ]);
  });

  it('in a trial: the SVM metrics on flipped data are NaN and the trial is diverged, saying the data are not separable', () => {
    const spec = searchFixture(
      `trials: 1\nspace: { p: { grid: [0, 0.3] } }\ndata: { block: linearly-separable, n: 60, d: 2, margin: 0.1, flip: p }\nmodel: { block: linear, d: 2 }\nloss: { block: logistic }\ndynamics: { block: gradient-descent, steps: 20, eta: 0.1 }\nmetrics:\n  ang: { block: svm-angle }\nproperty: 'ang >= 0'`,
    );
    expect(runTrial(spec, { p: 0, seed: 2 }).status).toBe('pass');
    const r = runTrial(spec, { p: 0.3, seed: 2 });
    expect(r.status).toBe('diverged');
    expect(r.message).toBe(
      'non-finite ang = NaN (svm-angle: the data are not linearly separable through the origin to the LP’s resolution (an LP in HiGHS on the rows scaled to unit length found no w with y_i⟨w, x_i⟩ > 0 for every row; a normalized margin below ~1e-9, HiGHS’s tolerance, cannot be told from none), so there is no max-margin direction)',
    );
  });

  // review #22 §6: a statistic that states separability, and hypotheses judged before a NaN metric they do not read
  const flipSearch = (premise: string) =>
    `trials: 1\nspace: { p: { grid: [0, 0.3] } }\ndata: { block: linearly-separable, n: 60, d: 2, margin: 0.1, flip: p }\nmodel: { block: linear, d: 2 }\nloss: { block: logistic }\ndynamics: { block: gradient-descent, steps: 20, eta: 0.1 }\nmetrics:\n  ang: { block: svm-angle }\n${premise}property: 'ang >= 0'`;

  it('separable is 1 on separable data, 0 with flipped labels; computed only where a formula reads it', () => {
    const spec = searchFixture(flipSearch("hypotheses: { sep: { when: 'separable == 1', role: premise } }\n"));
    const clean = runTrial(spec, { p: 0, seed: 2 });
    expect(clean.status).toBe('pass');
    expect(clean.quantities.separable).toBe(1);
    const noisy = runTrial(spec, { p: 0.3, seed: 2 });
    expect(noisy.quantities.separable).toBe(0);
    // read by no formula: not computed, not recorded
    const unread = runTrial(searchFixture(flipSearch('')), { p: 0, seed: 2 });
    expect(Object.keys(unread.quantities)).not.toContain('separable');
  });

  it('a premise separable == 1 puts the non-separable draws out of regime, not diverged by their NaN svm-angle', () => {
    const r = runTrial(searchFixture(flipSearch("hypotheses: { sep: { when: 'separable == 1', role: premise } }\n")), { p: 0.3, seed: 2 });
    expect(r.status).toBe('out-of-regime');
    expect(r.message).toBe('outside sep');
    expect(r.hypotheses).toEqual({ sep: false });
    // a hypothesis that reads the NaN metric is still a divergence
    const reads = runTrial(searchFixture(flipSearch("hypotheses: { sep: { when: 'separable == 1 and ang >= 0', role: premise } }\n")), { p: 0.3, seed: 2 });
    expect(reads.status).toBe('diverged');
  });

  it('a claim over flip ∈ {0, 0.3} with svm-angle in its property holds with the premise separable == 1; without it, inconclusive, saying why', async () => {
    const search = (premise: string) =>
      flipSearch(premise).replace('trials: 1\n', 'trials: 8\nmin_in_regime: 2\n').replace("property: 'ang >= 0'", "property: 'ang < 3.2'");
    const held = await runSearch(searchFixture(search("hypotheses: { sep: { when: 'separable == 1', role: premise } }\n")), {
      claimId: 't',
      runner: inlineRunner(),
    });
    expect(held.verdict).toBe('holds');
    expect(held.counts.diverged).toBe(0);
    expect(held.counts['out-of-regime']).toBeGreaterThan(0);
    const dropped = await runSearch(searchFixture(search('')), { claimId: 't', runner: inlineRunner() });
    expect(dropped.verdict).toBe('inconclusive');
    expect(dropped.counts.diverged).toBeGreaterThan(0);
    expect(dropped.reason).toMatch(/diverged/);
  });
});
