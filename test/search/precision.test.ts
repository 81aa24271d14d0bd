// Certified witnesses (issue 19): a failure that rounding explains is imprecise, never a counterexample;
// a genuine one survives the double-double re-run with the same violation.
import { describe, expect, it } from 'vitest';
import { inlineRunner, type TrialRunner } from '../../src/search/pool.js';
import { runSearch } from '../../src/search/search.js';
import { runTrial, type TrialResult } from '../../src/search/trial.js';
import { searchFixture } from '../helpers.js';

/** Razin & Cohen's bound |W₁₁| ≥ (1 − δ)²/δ at depth 2 without the determinant guard (the issue's contributor claim). */
const unguardedDepth2 = (o: { targetLoss: number; precision?: 'dd'; alphas: string; rtol: string; trials: number }) =>
  searchFixture(`${o.precision ? `precision: ${o.precision}\n` : ''}trials: ${o.trials}
min_in_regime: 1
seed: 2020
guided: { trials: 0 }
space:
  alpha: ${o.alphas}
data: { block: matrix-completion, rows: 2, cols: 2, observed: [[1, 2, 1], [2, 1, 1], [2, 2, 0]] }
model: { block: deep-linear, rows: 2, cols: 2, depth: 2, init: balanced, scale: alpha, det_sign: positive }
loss: { block: square, reduction: sum }
dynamics: { block: gradient-flow, time: 100000, rtol: ${o.rtol}, atol: 1e-18, max_steps: 2000000, stop_loss: ${o.targetLoss} }
metrics:
  slack: { block: path-extreme, layer: W, of: 'abs(e11) - (1 - sqrt(2*loss))^2 / sqrt(2*loss)', when: 'loss < 0.5' }
  lossT: { block: loss }
hypotheses:
  converged: { when: 'lossT <= ${o.targetLoss}', role: validity }
property: 'slack >= 0'`);

const search = (spec: ReturnType<typeof searchFixture>, precision?: 'float64' | 'dd') =>
  runSearch(spec, { claimId: 't.fixture', runner: inlineRunner(), shrinkBudgetMs: 1, ...(precision ? { precision } : {}) });

describe('the unguarded depth-2 bound is never refuted', () => {
  it('float64 to loss 10⁻³: every failure is imprecise (det W changed sign inside the rounding band), the verdict inconclusive', async () => {
    const r = await search(unguardedDepth2({ targetLoss: 1e-3, alphas: '{ grid: [0.01, 0.1] }', rtol: '1e-9', trials: 2 }));
    expect(r.verdict).toBe('inconclusive');
    expect(r.counts.fail).toBe(0);
    expect(r.counts.imprecise).toBeGreaterThan(0);
    expect(r.reason).toMatch(/imprecise/);
    expect(r.imprecise?.[0].message).toMatch(/det W changed sign/);
  });

  it('double-double to loss 0.02 (where it resolves the sign): holds; to 10⁻³: imprecise, not refuted', { timeout: 120_000 }, async () => {
    const holds = await search(unguardedDepth2({ targetLoss: 0.02, alphas: '{ grid: [0.01, 0.1] }', rtol: '1e-14', trials: 2 }), 'dd');
    expect([holds.verdict, holds.counts.pass, holds.evidence.precision]).toEqual(['holds', 2, 'double-double']);
    const deep = await search(unguardedDepth2({ targetLoss: 1e-3, alphas: '{ grid: [0.01] }', rtol: '1e-14', trials: 1 }), 'dd');
    expect(deep.verdict).toBe('inconclusive');
    expect(deep.counts.imprecise).toBe(1);
  });

  it('the double-double re-run along the same steps says where the two paths part, and how far the violation moved', () => {
    // the replay itself: float64 and double-double along the float64 run's steps disagree on the final slack (the detector, not the replay, decides this trial)
    const spec = unguardedDepth2({ targetLoss: 1e-3, alphas: '{ grid: [0.01] }', rtol: '1e-9', trials: 1 });
    const values = { alpha: 0.01, seed: 103156 };
    const f64 = runTrial(spec, values);
    const dd = runTrial(spec, values, { precision: 'dd', sameSteps: true });
    expect(f64.status).toBe('fail');
    expect(f64.watch?.slack.signFlip?.why).toMatch(/det W changed sign/);
    expect(dd.precision?.sameStepsAs).toBe('float64');
    expect(dd.precision?.part?.step).toBeGreaterThan(0);
    expect(Math.abs(dd.property!.lhs! - f64.property!.lhs!)).toBeGreaterThan(1e-3 * Math.abs(f64.property!.lhs!));
  });
});

/** Gradient descent on ab = 1 with large steps η (one trial per η): a chaotic path whose failure is genuine. */
const chaoticProduct = (etas: number[]) =>
  searchFixture(`trials: ${etas.length}
seed: 7
guided: { trials: 0 }
space:
  eta: { grid: [${etas.join(', ')}] }
data: { block: matrix-completion, rows: 1, cols: 1, observed: [[1, 1, 1]] }
model: { block: deep-linear, rows: 1, cols: 1, depth: 2, init: gaussian, scale: 0.5 }
loss: { block: square, reduction: sum }
dynamics: { block: gradient-descent, steps: 2000, eta: eta }
metrics:
  lossT: { block: loss }
property: 'lossT <= 1e-3'`);

describe('a planted genuine counterexample stays genuine', () => {
  it('even when the path is chaotic: large-step gradient descent on ab = 1 fails in both arithmetics with different values (genuine, not imprecise)', async () => {
    const chaos = chaoticProduct([1.35, 1.45]);
    const r = await search(chaos);
    expect([r.verdict, r.witness?.status, r.counts.imprecise]).toEqual(['refuted', 'genuine', 0]);
    expect(r.witness!.recheck.preciseNote).toMatch(/sensitive to rounding/);
  });

  // gradient descent that stops far from zero loss: "the loss reaches 10⁻⁶" fails by a wide margin in any arithmetic
  const planted = searchFixture(`trials: 4
seed: 7
guided: { trials: 0 }
space:
  steps: { grid: [5, 10] }
data: { block: isotropic-gaussian, n: 4, d: 3, labels: teacher }
model: { block: two-layer, d: 3, width: 3, activation: leaky-relu, gamma: 0.1, w_scale: 0.5, v_init: gaussian, v_scale: 0.5, train_output: true }
loss: { block: square, reduction: mean }
dynamics: { block: gradient-descent, steps: steps, eta: 0.05 }
metrics:
  lossT: { block: loss }
property: 'lossT <= 1e-6'`);

  it('refuted, genuine: the double-double re-run along the same steps fails with the same sides', async () => {
    const r = await search(planted);
    expect(r.verdict).toBe('refuted');
    const w = r.witness!;
    expect(w.status).toBe('genuine');
    expect(w.recheck.precise?.status).toBe('fail');
    expect(w.recheck.precise?.precision?.arithmetic).toBe('double-double');
    expect(Math.abs(w.recheck.precise!.property!.lhs! - w.result.property!.lhs!)).toBeLessThan(1e-10 * w.result.property!.lhs!);
    expect(w.recheck.preciseNote).toMatch(/fails too/);
  });

  it('a search already in double-double probes its witness from a perturbed θ(0), and stays genuine', async () => {
    const r = await search(planted, 'dd');
    expect([r.verdict, r.witness?.status, r.evidence.precision]).toEqual(['refuted', 'genuine', 'double-double']);
    expect(r.witness!.recheck.precise?.precision?.perturbed).toBeGreaterThan(0);
  });
});

describe('watched_to_loss and the watch report', () => {
  const guarded = (required: number) =>
    searchFixture(`trials: 1
min_in_regime: 1
guided: { trials: 0 }
space:
  alpha: { grid: [0.01] }
data: { block: matrix-completion, rows: 2, cols: 2, observed: [[1, 2, 1], [2, 1, 1], [2, 2, 0]] }
model: { block: deep-linear, rows: 2, cols: 2, depth: 2, init: balanced, scale: alpha, det_sign: positive }
loss: { block: square, reduction: sum }
dynamics: { block: gradient-flow, time: 100000, rtol: 1e-9, atol: 1e-13, max_steps: 2000000, stop_loss: 0.005 }
metrics:
  slack: { block: path-extreme, layer: W, of: 'abs(e11)', when: 'loss < 0.5', until: 'det <= 1e-10 * fro^2', watched_to_loss: ${required} }
property: 'slack >= 0'`);

  it('a watch that stops above the required loss makes the trial imprecise, and reports where it stopped', () => {
    const r = runTrial(guarded(0.01), { alpha: 0.01, seed: 1 });
    const w = r.watch!.slack;
    expect(w.stoppedAt!.loss).toBeGreaterThan(0.01);
    expect(w.watched!).toBeLessThan(w.steps);
    expect(r.status).toBe('imprecise');
    expect(r.message).toMatch(/watched_to_loss/);
  });

  it('a watch that stops below it does not', () => {
    const r = runTrial(guarded(0.5), { alpha: 0.01, seed: 1 });
    expect(r.status).toBe('pass');
    expect(r.watch!.slack.required).toBe(0.5);
  });
});

describe('a loss below what float64 resolves', () => {
  // W itself (depth 1) by gradient descent on three entries: the residuals shrink to the rounding of 0.1 and 0.3
  const fit = (property: string) =>
    searchFixture(`trials: 1
guided: { trials: 0 }
space:
  s: { grid: [1] }
data: { block: matrix-completion, rows: 2, cols: 2, observed: [[1, 2, 0.1], [2, 1, 0.1], [2, 2, 0.3]] }
model: { block: deep-linear, rows: 2, cols: 2, depth: 1, init: gaussian, scale: s, det_sign: any }
loss: { block: square, reduction: sum }
dynamics: { block: gradient-descent, steps: 300, eta: 0.5 }
metrics:
  lossT: { block: loss }
  detT: { block: determinant, layer: W }
property: '${property}'`);

  it('decides no verdict: "the loss is below 10⁻⁴⁰" is imprecise, "below 10⁻³" passes', () => {
    const values = { s: 1, seed: 3 };
    const tiny = runTrial(fit('lossT <= 1e-40 and detT > -1000'), values);
    expect(tiny.quantities.lossT).toBeLessThan(1e-28);
    expect(tiny.status).toBe('imprecise');
    // only the metric whose rounding error flips the verdict is named, with that error
    expect(tiny.message).toMatch(/when lossT \(±[0-9.e+-]+\) move by their rounding error/);
    expect(tiny.message).not.toMatch(/detT/);
    expect(runTrial(fit('lossT <= 1e-3'), values).status).toBe('pass');
  });
});

describe('a shrunk point that rounding explains does not condemn the trial it came from', () => {
  it('the unshrunk failure is re-checked on its own and kept as the witness when double-double reproduces it', async () => {
    const spec = searchFixture(`trials: 3
seed: 1
guided: { trials: 0 }
space:
  k: { grid: [0, 1, 2] }
data: { block: matrix-completion, rows: 1, cols: 1, observed: [[1, 1, 1]] }
model: { block: deep-linear, rows: 1, cols: 1, depth: 1, init: gaussian, scale: 1 }
loss: { block: square, reduction: sum }
metrics:
  lossT: { block: loss }
property: 'lossT <= 0'`);
    // every float64 trial fails; in double-double only k = 0 (where shrinking goes) passes
    const result = (values: Record<string, number>, dd: boolean): TrialResult => {
      const fails = !(dd && values.k === 0);
      return {
        status: fails ? 'fail' : 'pass',
        values,
        quantities: { lossT: 1 },
        hypotheses: {},
        property: { holds: !fails, robustness: fails ? -1 : 1, op: '<=', lhs: 1, rhs: 0 },
        ms: 0,
      };
    };
    const runner: TrialRunner = {
      threads: 1,
      trial: async (_s, v, _t, opt) => ({ result: result(v, opt?.precision === 'dd') }),
      run: async (_s, v, _t, opt) => result(v, opt?.precision === 'dd'),
      step: async () => ({ status: 'checked', result: {} as never }),
      close: async () => {},
    };
    const r = await runSearch(spec, { claimId: 't.fixture', runner, shrinkBudgetMs: 5000 });
    expect(r.verdict).toBe('refuted');
    expect(r.witness!.values.k).not.toBe(0);
    expect(r.witness!.numShrinks).toBe(0);
    expect(r.witness!.recheck.note).toMatch(/the shrunk point was imprecise/);
    // only the trial at k = 0 itself is imprecise, not the one whose shrinking led there
    expect(r.imprecise?.map((t) => t.values.k)).toEqual([0]);
  });
});

describe('metrics read from one θ bound their rounding error', () => {
  const completion = `data: { block: matrix-completion, rows: 2, cols: 2, observed: [[1, 2, 1], [2, 1, 1], [2, 2, 0]] }
loss: { block: square, reduction: sum }`;

  it('det W(T) > 0 read as −10⁻¹⁵ from a product with O(1) terms is imprecise, not a counterexample (its cancellation is 100u·‖W‖²)', () => {
    const spec = searchFixture(`trials: 1
guided: { trials: 0 }
space:
  alpha: { grid: [0.01] }
${completion}
model: { block: deep-linear, rows: 2, cols: 2, depth: 2, init: balanced, scale: alpha, det_sign: positive }
dynamics: { block: gradient-flow, time: 100000, rtol: 1e-15, atol: 1e-19, max_steps: 2000000, stop_loss: 0.012 }
metrics:
  detT: { block: determinant, layer: W }
property: 'detT > 0'`);
    const r = runTrial(spec, { alpha: 0.01, seed: 7081 });
    expect(Math.abs(r.quantities.detT)).toBeLessThan(1e-13);
    expect(r.status).toBe('imprecise');
    expect(r.message).toMatch(/detT/);
  });

  it('L(T) < L(0) after steps too small to move θ is imprecise; after real steps it passes', () => {
    const spec = searchFixture(`trials: 1
guided: { trials: 0 }
space:
  eta: { grid: [1e-3, 1e-20] }
${completion}
model: { block: deep-linear, rows: 2, cols: 2, depth: 2, init: balanced, scale: 0.5, det_sign: positive }
dynamics: { block: gradient-descent, steps: 10, eta: eta }
metrics:
  loss0: { block: loss, at: initial }
  lossT: { block: loss }
property: 'lossT < loss0'`);
    expect(runTrial(spec, { eta: 1e-20, seed: 1 }).status).toBe('imprecise');
    expect(runTrial(spec, { eta: 1e-3, seed: 1 }).status).toBe('pass');
  });
});

describe('a double-double search probes its witness from a θ(0) moved below float64’s resolution', () => {
  it('the probe really moves: on a chaotic path it parts from the reference run (and the failure survives: genuine)', async () => {
    const chaos = chaoticProduct([1.45]);
    const r = await search(chaos, 'dd');
    expect([r.verdict, r.witness?.status]).toEqual(['refuted', 'genuine']);
    expect(r.witness!.recheck.precise?.precision?.perturbed).toBeGreaterThan(0);
    expect(r.witness!.recheck.precise?.precision?.part).toBeDefined();
  });
});
