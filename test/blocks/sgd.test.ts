import { describe, expect, it } from 'vitest';
import { dynamicsProblem } from '../../src/blocks/dynamics/index.js';
import { gradientDescentBlock } from '../../src/blocks/dynamics/gradient-descent.js';
import { sgd, sgdBlock } from '../../src/blocks/dynamics/sgd.js';
import type { BlockContext, DynamicsProblem, LossProduct } from '../../src/blocks/types.js';
import { dataStats, isotropicGaussian, type Dataset } from '../../src/numeric/data.js';
import { gradientDescent, type SimResult } from '../../src/numeric/dynamics.js';
import { mat } from '../../src/numeric/linalg.js';
import { logisticLoss, squareLoss } from '../../src/numeric/losses.js';
import { leakyRelu, linearActivation, twoLayerNet, type Model } from '../../src/numeric/models.js';
import { objective, objectiveOnRows } from '../../src/numeric/objective.js';
import { Rng } from '../../src/numeric/rng.js';

const ctx = (): BlockContext => ({ num: (v) => Number(v), int: (v) => Number(v), rng: new Rng(0), scope: {} });

function problemOf(model: Model, data: Dataset, loss: LossProduct, seed: number): DynamicsProblem {
  return dynamicsProblem(objective(model, loss.loss, data.X, data.y, loss.reduction), model, data, loss, seed);
}

/** θ, losses and counts as bytes, so that −0 ≠ 0 and every bit counts */
function bits(r: SimResult) {
  const f = (a: ArrayLike<number>) => Buffer.from(Float64Array.from(a).buffer).toString('hex');
  return {
    theta: f(r.theta),
    loss: f([r.loss]),
    trajectory: f(r.trajectory.flatMap((p) => [p.t, p.loss])),
    steps: r.steps,
    time: r.time,
    stoppedBy: r.stoppedBy,
    snapshots: r.snapshots?.map((s) => [s.step, f(s.theta)]),
  };
}

const rng = new Rng(3);
const n = 12,
  d = 5;
const data = isotropicGaussian(rng.fork('data'), n, d, 1, 'sign');
const model = twoLayerNet({ d, width: 4, activation: leakyRelu(0.3), trainOutput: true, wScale: 0.5, vScale: 0.5, vInit: 'gaussian' });
const theta0 = model.init(rng.fork('init'));

describe('sgd', () => {
  for (const reduction of ['sum', 'mean'] as const) {
    it(`with batch = n is gradient descent bit for bit (${reduction})`, () => {
      const loss = { loss: logisticLoss, reduction };
      const problem = problemOf(model, data, loss, 7);
      const gd = gradientDescentBlock.create(gradientDescentBlock.params.parse({ steps: 300, eta: 0.1, snapshots: true }), ctx());
      const sg = sgdBlock.create(sgdBlock.params.parse({ steps: 300, eta: 0.1, batch: n, snapshots: true }), ctx());
      const ref = bits(gd(problem, theta0));
      expect(bits(sg(problem, theta0))).toEqual(ref);
      // the general path (a copied batch of all rows in order, the full loss evaluated apart) gives the same bits
      const copying: DynamicsProblem = { ...problem, objectiveOn: (rows) => objectiveOnRows(model, loss.loss, data.X, data.y, reduction, rows) };
      expect(bits(sg(copying, theta0))).toEqual(ref);
      // a batch larger than n is the full batch
      expect(bits(sgd(problem, theta0, { steps: 300, eta: 0.1, batch: 10 * n, sampling: 'reshuffle', snapshots: true }))).toEqual(ref);
    });
  }

  it('with batch = n stops at stop_loss where gradient descent does', () => {
    const problem = problemOf(model, data, { loss: logisticLoss, reduction: 'mean' }, 7);
    const o = { steps: 5000, eta: 0.5, stopLoss: 0.3 };
    const ref = gradientDescent(problem.objective, theta0, o);
    expect(ref.stoppedBy).toBe('loss');
    expect(bits(sgd(problem, theta0, { ...o, batch: n, sampling: 'reshuffle' }))).toEqual(bits(ref));
  });

  for (const sampling of ['reshuffle', 'replacement'] as const) {
    it(`with batch < n repeats from the seed, differs from gradient descent and with the seed (${sampling})`, () => {
      const loss = { loss: logisticLoss, reduction: 'mean' as const };
      const o = { steps: 200, eta: 0.1, batch: 5, sampling };
      const problem = problemOf(model, data, loss, 7);
      const a = sgd(problem, theta0, o);
      // the same problem again (a restart) and a fresh one from the same seed repeat the draws
      expect(bits(sgd(problem, theta0, o))).toEqual(bits(a));
      expect(bits(sgd(problemOf(model, data, loss, 7), theta0, o))).toEqual(bits(a));
      expect(bits(sgd(problemOf(model, data, loss, 8), theta0, o)).theta).not.toBe(bits(a).theta);
      expect(bits(gradientDescent(problem.objective, theta0, o)).theta).not.toBe(bits(a).theta);
    });
  }

  it('reshuffle sees every row once per epoch, in batches of `batch` and the n mod batch rows left', () => {
    const problem = problemOf(model, data, { loss: squareLoss, reduction: 'sum' }, 1);
    const seen: number[][] = [];
    sgd({ ...problem, objectiveOn: (rows) => (seen.push(Array.from(rows)), problem.objectiveOn(rows)) }, theta0, {
      steps: 8,
      eta: 0.01,
      batch: 5,
      sampling: 'reshuffle',
    });
    // steps + 1 batches: one gradient per step, and the one at the last iterate
    expect(seen.map((r) => r.length)).toEqual([5, 5, 2, 5, 5, 2, 5, 5, 2]);
    for (let e = 0; e < 3; e++)
      expect(
        seen
          .slice(3 * e, 3 * e + 3)
          .flat()
          .sort((x, y) => x - y),
      ).toEqual([...Array(n).keys()]);
    expect(seen.slice(0, 3).flat()).not.toEqual(seen.slice(3, 6).flat());
  });

  it('converges on a realizable least-squares problem (θ → the teacher)', () => {
    const r = new Rng(21),
      N = 60,
      D = 4;
    const X = mat(N, D);
    r.fillNormal(X.data);
    const u = Float64Array.from([0.5, -1, 2, 0.25]);
    const y = new Float64Array(N);
    for (let i = 0; i < N; i++) for (let k = 0; k < D; k++) y[i] += X.data[i * D + k] * u[k];
    const ls: Dataset = { X, y, stats: dataStats(X) };
    // f(x) = ⟨w, x⟩: one linear unit with a fixed output weight 1
    const linear = twoLayerNet({
      d: D,
      width: 1,
      activation: linearActivation,
      trainOutput: false,
      wScale: 0.1,
      vScale: 1,
      vInit: 'split',
      positiveFraction: 1,
    });
    const problem = problemOf(linear, ls, { loss: squareLoss, reduction: 'mean' }, 5);
    const t0 = linear.init(r.fork('init'));
    const res = sgd(problem, t0, { steps: 3000, eta: 0.05, batch: 8, sampling: 'reshuffle' });
    expect(res.loss).toBeLessThan(1e-20 + 1e-12 * problem.objective.value(t0));
    for (let k = 0; k < D; k++) expect(res.theta[k]).toBeCloseTo(u[k], 8);
    const stopped = sgd(problem, t0, { steps: 3000, eta: 0.05, batch: 8, sampling: 'reshuffle', stopLoss: 1e-6 });
    expect(stopped.stoppedBy).toBe('loss');
    expect(stopped.loss).toBeLessThan(1e-6);
  });

  it('rejects a batch below 1', () => {
    expect(() => sgdBlock.create(sgdBlock.params.parse({ steps: 1, eta: 0.1, batch: 0 }), ctx())).toThrow(/batch/);
  });
});

describe('sgd with label noise', () => {
  const lin = twoLayerNet({ d, width: 3, activation: linearActivation, trainOutput: true, wScale: 0.5, vScale: 0.5, vInit: 'gaussian' });
  const th0 = lin.init(new Rng(5).fork('init'));
  const regression: Dataset = { ...data, y: Float64Array.from(data.y, (v, i) => v * (1 + i / n)) };
  const square = { loss: squareLoss, reduction: 'mean' as const };

  it('with label_noise 0 and label_flip 0 draws nothing for labels: bit for bit the run without them', () => {
    for (const batch of [3, n]) {
      const plain = sgd(problemOf(lin, regression, square, 7), th0, { steps: 200, eta: 0.05, batch, sampling: 'reshuffle', snapshots: true });
      const zero = sgd(problemOf(lin, regression, square, 7), th0, {
        steps: 200,
        eta: 0.05,
        batch,
        sampling: 'reshuffle',
        snapshots: true,
        labelNoise: 0,
        labelFlip: 0,
      });
      expect(bits(zero)).toEqual(bits(plain));
    }
  });

  it('perturbs the labels afresh per batch, from the seed: the same seed repeats the path, another does not', () => {
    const o = { steps: 100, eta: 0.05, batch: n, sampling: 'reshuffle' as const, labelNoise: 0.5 };
    const a = sgd(problemOf(lin, regression, square, 7), th0, o);
    expect(bits(sgd(problemOf(lin, regression, square, 7), th0, o))).toEqual(bits(a));
    expect(bits(sgd(problemOf(lin, regression, square, 8), th0, o)).theta).not.toEqual(bits(a).theta);
    const gd = sgd(problemOf(lin, regression, square, 7), th0, { ...o, labelNoise: 0 });
    expect(bits(a).theta).not.toEqual(bits(gd).theta);
  });

  it('gives, for the square loss, a first step whose mean over seeds is the noiseless step (the gradient is affine in y)', () => {
    const o = { steps: 1, eta: 0.05, batch: n, sampling: 'reshuffle' as const, labelNoise: 0.3 };
    const exact = sgd(problemOf(lin, regression, square, 1), th0, { ...o, labelNoise: 0 }).theta;
    const K = 400;
    const mean = new Float64Array(th0.length),
      sq = new Float64Array(th0.length);
    for (let s = 0; s < K; s++) {
      const t = sgd(problemOf(lin, regression, square, 100 + s), th0, o).theta;
      for (let i = 0; i < t.length; i++) ((mean[i] += t[i] / K), (sq[i] += (t[i] - exact[i]) ** 2 / K));
    }
    for (let i = 0; i < th0.length; i++) {
      const sd = Math.sqrt(sq[i]);
      // within 5 standard errors of the noiseless step, and the noise does move θ
      expect(Math.abs(mean[i] - exact[i])).toBeLessThanOrEqual((5 * sd) / Math.sqrt(K) + 1e-15);
    }
    expect(Math.max(...sq)).toBeGreaterThan(0);
  });

  it('flips ±1 labels with probability label_flip: p = 1 is gradient descent on the negated labels', () => {
    const logistic = { loss: logisticLoss, reduction: 'mean' as const };
    const flipped: Dataset = { ...data, y: Float64Array.from(data.y, (v) => -v) };
    const o = { steps: 50, eta: 0.1, batch: n, sampling: 'reshuffle' as const };
    const a = sgd(problemOf(model, data, logistic, 3), theta0, { ...o, labelFlip: 1 });
    const b = sgd(problemOf(model, flipped, logistic, 3), theta0, o);
    expect(bits(a).theta).toEqual(bits(b).theta);
  });

  it('refuses a negative label_noise and a label_flip outside [0, 1]', () => {
    expect(() => sgdBlock.create(sgdBlock.params.parse({ steps: 1, eta: 0.1, batch: 2, label_noise: -1 }), ctx())).toThrow(/label_noise/);
    expect(() => sgdBlock.create(sgdBlock.params.parse({ steps: 1, eta: 0.1, batch: 2, label_flip: 1.5 }), ctx())).toThrow(/label_flip/);
  });
});
