import fc from 'fast-check';
import type { BigNumber } from 'mathjs';
import { describe, expect, it } from 'vitest';
import { ddAdd, ddFromNumber, ddMul, type DD } from '../../src/numeric/dd.js';
import { ddGet, ddObjective, ddRound, ddVec, ddVecFrom, type DDModel, type DDVec } from '../../src/numeric/dd-model.js';
import { inGramCoordinates } from '../../src/numeric/gram.js';
import type { Mat } from '../../src/numeric/linalg.js';
import { exponentialLoss, logisticLoss, squareLoss, type Loss } from '../../src/numeric/losses.js';
import { leakyRelu, linearActivation, smoothLeakyRelu, twoLayerNet, type Activation, type Model } from '../../src/numeric/models.js';
import { objective } from '../../src/numeric/objective.js';
import { Rng } from '../../src/numeric/rng.js';
import { fcRuns } from '../checks.js';
import { big, exactBig } from './big.js';

const randomMat = (rng: Rng, rows: number, cols: number, scale = 1): Mat => ({
  rows,
  cols,
  data: Float64Array.from({ length: rows * cols }, () => scale * rng.normal()),
});
const maxAbs = (a: ArrayLike<number>) => Array.from(a).reduce((s, x) => Math.max(s, Math.abs(x)), 0);

/** float64 and double-double value and gradient of the same objective at θ. */
function bothPrecisions(model: Model, twin: DDModel, loss: Loss, X: Mat, y: Float64Array, theta: Float64Array, reduction: 'sum' | 'mean' = 'mean') {
  const g = new Float64Array(model.nParams);
  const value = objective(model, loss, X, y, reduction).valueAndGrad(theta, g);
  const gd = ddVec(twin.nParams);
  const vd = ddObjective(twin, loss.dd!, X, y, reduction).valueAndGrad(ddVecFrom(theta), gd);
  return { value, grad: g, ddValue: vd.hi + vd.lo, ddGrad: gd };
}

// the dd twins of the margin losses are written separately; each is tested here once it exists
const LOSSES_WITH_TWIN = [squareLoss, logisticLoss, exponentialLoss].filter((l) => l.dd);
const ACTIVATIONS: Activation[] = [leakyRelu(0), leakyRelu(0.1), leakyRelu(0.5), smoothLeakyRelu(0.1, 2), smoothLeakyRelu(0.5, 0.7), linearActivation];

describe('two-layer net: the double-double twin', () => {
  it('agrees with float64 (value and gradient to 1e-13 relative) for every activation, bias and trainOutput option; frozen v gets exactly 0', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2 ** 31 - 1 }),
        fc.constantFrom(1, 2, 5),
        fc.constantFrom(1, 3, 4),
        fc.constantFrom(1, 4, 9),
        fc.integer({ min: 0, max: ACTIVATIONS.length - 1 }),
        fc.boolean(),
        fc.boolean(),
        fc.integer({ min: 0, max: LOSSES_WITH_TWIN.length - 1 }),
        (seed, width, d, n, a, hiddenBias, trainOutput, l) => {
          const activation = ACTIVATIONS[a],
            loss = LOSSES_WITH_TWIN[l];
          const model = twoLayerNet({ d, width, activation, trainOutput, hiddenBias, wScale: 1, vScale: 1, vInit: 'gaussian' });
          const rng = new Rng(seed);
          const theta = model.init(rng.fork('init'));
          const X = randomMat(rng.fork('X'), n, d);
          const y = Float64Array.from({ length: n }, () => (loss === squareLoss ? rng.normal() : rng.sign()));
          // away from the kink of a leaky ReLU: every pre-activation |⟨w_j, x_i⟩ + b_j| ≥ 1e-6
          for (let i = 0; i < n; i++)
            for (let j = 0; j < width; j++) {
              let z = hiddenBias ? theta[width * d + width + j] : 0;
              for (let k = 0; k < d; k++) z += theta[j * d + k] * X.data[i * d + k];
              fc.pre(activation.gamma === undefined || Math.abs(z) >= 1e-6);
            }
          const twin = model.dd!();
          expect(twin.nParams).toBe(model.nParams);
          const r = bothPrecisions(model, twin, loss, X, y, theta);
          expect(Math.abs(r.ddValue - r.value)).toBeLessThanOrEqual(1e-13 * Math.abs(r.value));
          const scale = maxAbs(r.grad);
          const rounded = ddRound(r.ddGrad);
          for (let i = 0; i < model.nParams; i++) {
            expect(Math.abs(rounded[i] - r.grad[i]), `entry ${i}`).toBeLessThanOrEqual(1e-13 * scale);
            if (model.trainable[i] === 0) expect([r.ddGrad.hi[i], r.ddGrad.lo[i]], `frozen entry ${i}`).toEqual([0, 0]);
          }
          // layers: the same names, shapes and values
          const L = model.layers(theta),
            Ld = twin.layers(ddVecFrom(theta));
          expect(Object.keys(Ld).sort()).toEqual(Object.keys(L).sort());
          for (const name of Object.keys(L)) {
            expect([Ld[name].rows, Ld[name].cols]).toEqual([L[name].rows, L[name].cols]);
            expect(Array.from(ddRound(Ld[name]))).toEqual(Array.from(L[name].data));
          }
        },
      ),
      fcRuns(150),
    );
  });

  it('frozen output weights: the v entries of the gradient are exactly 0 (and are not when v is trained)', () => {
    for (const trainOutput of [false, true]) {
      const model = twoLayerNet({ d: 3, width: 4, activation: smoothLeakyRelu(0.2, 1), trainOutput, hiddenBias: true, wScale: 1, vScale: 1, vInit: 'sign' });
      const rng = new Rng(3);
      const theta = model.init(rng);
      const X = randomMat(rng, 5, 3);
      const gd = ddVec(model.nParams);
      ddObjective(model.dd!(), squareLoss.dd!, X, Float64Array.from([1, -1, 0.5, 2, 0]), 'sum').valueAndGrad(ddVecFrom(theta), gd);
      const v = Array.from({ length: 4 }, (_, j) => [gd.hi[12 + j], gd.lo[12 + j]]);
      if (trainOutput) expect(v.every(([h]) => h !== 0)).toBe(true);
      else expect(v).toEqual(Array.from({ length: 4 }, () => [0, 0]));
    }
  });

  it("keeps the activation's φ′(0) convention at a pre-activation exactly 0", () => {
    // w_0 = (1, −1) ⟂ x_0 = (2, 2) exactly, b_0 = 0: z_00 = 0 in both precisions
    const X: Mat = { rows: 2, cols: 2, data: Float64Array.from([2, 2, 0.5, -1.5]) };
    const y = Float64Array.from([0.3, -0.7]);
    const theta = Float64Array.from([1, -1, 0.25, 0.5, 0.8, -1.2, 0, 0.1]);
    for (const dphiAtZero of [0, 1, 0.5]) {
      const model = twoLayerNet({
        d: 2,
        width: 2,
        activation: leakyRelu(0.2, dphiAtZero),
        trainOutput: true,
        hiddenBias: true,
        wScale: 1,
        vScale: 1,
        vInit: 'gaussian',
      });
      const r = bothPrecisions(model, model.dd!(), squareLoss, X, y, theta, 'sum');
      const rounded = ddRound(r.ddGrad);
      for (let i = 0; i < model.nParams; i++) expect(Math.abs(rounded[i] - r.grad[i]), `entry ${i}`).toBeLessThanOrEqual(1e-15 * maxAbs(r.grad));
    }
  });

  it('throws, naming the activation, when the activation has no double-double twin', () => {
    const softplus: Activation = { name: 'softplus', phi: (z) => Math.log1p(Math.exp(z)), dphi: (z) => 1 / (1 + Math.exp(-z)) };
    const make = (d: number) => twoLayerNet({ d, width: 2, activation: softplus, trainOutput: true, wScale: 1, vScale: 1, vInit: 'gaussian' });
    expect(() => make(3).dd!()).toThrow(/softplus/);
    const X = randomMat(new Rng(1), 3, 10);
    expect(() => inGramCoordinates(make, X, 2, 0.1).dd!()).toThrow(/softplus/);
  });
});

/**
 * The twin's function computed with one {hi, lo} object per operation (the implementation before the array kernels),
 * with Σ|term| of every sum: f_i = Σ_j v_j φ(z_ij), z_ij = b_j + Σ_k w_jk x_ik; ∂/∂v_j = Σ_i c_i φ(z_ij),
 * g_ij = c_i v_j φ′(z_ij), ∂/∂b_j = Σ_i g_ij, ∂/∂w_jk = Σ_i g_ij x_ik.
 */
function objectTwoLayer(act: NonNullable<Activation['dd']>, d: number, m: number, hiddenBias: boolean, trainOutput: boolean) {
  const nW = m * d,
    nB = nW + m;
  type Sum = { value: DD; scale: number };
  const sum = (terms: DD[]): Sum => ({ value: terms.reduce(ddAdd, ddFromNumber(0)), scale: terms.reduce((s, t) => s + Math.abs(t.hi), 0) });
  const zAt = (theta: DDVec, X: Mat, i: number, j: number): DD => {
    const s = sum(Array.from({ length: d }, (_, k) => ddMul(ddGet(theta, j * d + k), ddFromNumber(X.data[i * d + k])))).value;
    return hiddenBias ? ddAdd(ddGet(theta, nB + j), s) : s;
  };
  return {
    forward: (theta: DDVec, X: Mat): Sum[] =>
      Array.from({ length: X.rows }, (_, i) => sum(Array.from({ length: m }, (_, j) => ddMul(ddGet(theta, nW + j), act.phi(zAt(theta, X, i, j)))))),
    backward(theta: DDVec, X: Mat, c: DDVec): Sum[] {
      const n = X.rows;
      const terms: DD[][] = Array.from({ length: nB + (hiddenBias ? m : 0) }, () => []);
      for (let i = 0; i < n; i++)
        for (let j = 0; j < m; j++) {
          const ci = ddGet(c, i),
            z = zAt(theta, X, i, j);
          if (trainOutput) terms[nW + j].push(ddMul(ci, act.phi(z)));
          const g = ddMul(ddMul(ci, ddGet(theta, nW + j)), act.dphi(z));
          if (hiddenBias) terms[nB + j].push(g);
          for (let k = 0; k < d; k++) terms[j * d + k].push(ddMul(g, ddFromNumber(X.data[i * d + k])));
        }
      return terms.map(sum);
    },
  };
}

describe('two-layer net: the double-double kernels', () => {
  it('agree with the object-based computation to 1e-28 of Σ|terms| along a sequence of calls that changes θ (W, b or v only) and X in place', () => {
    const dd = (x: DD) => x.hi + x.lo;
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2 ** 31 - 1 }),
        fc.constantFrom(1, 3, 7),
        fc.constantFrom(1, 2, 6),
        fc.constantFrom(1, 5, 8),
        fc.integer({ min: 0, max: ACTIVATIONS.length - 1 }),
        fc.boolean(),
        fc.boolean(),
        fc.array(fc.constantFrom('forward', 'backward', 'W', 'b', 'v', 'X', 'c'), { minLength: 4, maxLength: 12 }),
        (seed, m, d, n, a, hiddenBias, trainOutput, calls) => {
          const activation = ACTIVATIONS[a];
          const rng = new Rng(seed);
          const model = twoLayerNet({ d, width: m, activation, trainOutput, hiddenBias, wScale: 1, vScale: 1, vInit: 'gaussian' });
          const theta = ddVecFrom(model.init(rng.fork('init')));
          // lo parts of every size, as along a double-double run
          for (let i = 0; i < model.nParams; i++) theta.lo[i] = theta.hi[i] * 2 ** -60 * rng.normal();
          const X = randomMat(rng.fork('X'), n, d);
          const c = ddVecFrom(Float64Array.from({ length: n }, (_, i) => (i === 1 ? 0 : rng.normal())));
          const twin = model.dd!();
          const reference = objectTwoLayer(activation.dd!, d, m, hiddenBias, trainOutput);
          const out = ddVec(n),
            grad = ddVec(model.nParams);
          const expectClose = (got: DDVec, want: { value: DD; scale: number }[], what: string) =>
            want.forEach((w, i) =>
              expect(Math.abs(dd(ddAdd(ddGet(got, i), { hi: -w.value.hi, lo: -w.value.lo }))), `${what} ${i}`).toBeLessThanOrEqual(1e-28 * w.scale),
            );
          const perturb = (from: number, count: number) => {
            const i = from + Math.floor(rng.uniform() * count);
            theta.hi[i] += 0.1 * rng.normal();
            theta.lo[i] = theta.hi[i] * 2 ** -60 * rng.normal();
          };
          for (const call of calls) {
            if (call === 'forward') {
              twin.forward(theta, X, out);
              expectClose(out, reference.forward(theta, X), 'prediction');
            } else if (call === 'backward') {
              twin.backward(theta, X, c, grad);
              expectClose(grad, reference.backward(theta, X, c), 'gradient entry');
            } else if (call === 'W') perturb(0, m * d);
            else if (call === 'v') perturb(m * d, m);
            else if (call === 'b' && hiddenBias) perturb(m * d + m, m);
            else if (call === 'X') X.data[Math.floor(rng.uniform() * n * d)] = rng.normal();
            else if (call === 'c') c.hi[Math.floor(rng.uniform() * n)] = rng.normal();
          }
        },
      ),
      fcRuns(150),
    );
  });
});

describe('Gram-coordinate two-layer net: the double-double twin', () => {
  it('agrees with the float64 Gram-coordinate model on its own data (value, gradient, layers)', () => {
    for (const [hiddenBias, trainOutput, activation] of [
      [false, false, leakyRelu(0.3)],
      [true, true, smoothLeakyRelu(0.1, 3)],
      [true, false, linearActivation],
    ] as const) {
      const n = 5,
        d = 40,
        m = 4;
      const rng = new Rng(11);
      const X = randomMat(rng.fork('X'), n, d);
      const y = Float64Array.from({ length: n }, () => rng.normal());
      const model = inGramCoordinates(
        (r) => twoLayerNet({ d: r, width: m, activation, trainOutput, hiddenBias, wScale: 0.5, vScale: 1, vInit: 'gaussian' }),
        X,
        m,
        0.5,
      );
      const theta = model.init(rng.fork('init'));
      const twin = model.dd!();
      expect(twin.nParams).toBe(model.nParams);
      const r = bothPrecisions(model, twin, squareLoss, X, y, theta);
      expect(Math.abs(r.ddValue - r.value)).toBeLessThanOrEqual(1e-13 * Math.abs(r.value));
      const rounded = ddRound(r.ddGrad);
      for (let i = 0; i < model.nParams; i++) {
        expect(Math.abs(rounded[i] - r.grad[i]), `entry ${i}`).toBeLessThanOrEqual(1e-13 * maxAbs(r.grad));
        if (model.trainable[i] === 0) expect([r.ddGrad.hi[i], r.ddGrad.lo[i]]).toEqual([0, 0]);
      }
      // the layers the float64 wrapper exposes (W = the r-column W_s, v, b), same values
      const L = model.layers(theta),
        Ld = twin.layers(ddVecFrom(theta));
      expect(Object.keys(Ld).sort()).toEqual(Object.keys(L).sort());
      for (const name of Object.keys(L)) expect(Array.from(ddRound(Ld[name]))).toEqual(Array.from(L[name].data));
      // any other matrix is refused, as by the float64 wrapper
      const other = randomMat(rng, n, d);
      const message = (f: () => void) => {
        try {
          f();
        } catch (e) {
          return (e as Error).message;
        }
        return 'no error';
      };
      const expected = message(() => model.forward(theta, other, new Float64Array(n)));
      expect(expected).toMatch(/own training data/);
      expect(message(() => twin.forward(ddVecFrom(theta), other, ddVec(n)))).toBe(expected);
      expect(message(() => twin.backward(ddVecFrom(theta), other, ddVec(n), ddVec(model.nParams)))).toBe(expected);
    }
  });

  it('has no twin when the inner model has none', () => {
    const X = randomMat(new Rng(2), 3, 8);
    const model = inGramCoordinates(
      (r) => ({ ...twoLayerNet({ d: r, width: 2, activation: leakyRelu(0), trainOutput: true, wScale: 1, vScale: 1, vInit: 'gaussian' }), dd: undefined }),
      X,
      2,
      1,
    );
    expect(model.dd).toBeUndefined();
  });
});

describe('two-layer net: cancellation', () => {
  it('where float64 loses digits, the dd forward pass agrees with 64-digit BigNumber to 1e-28 (terms of order 1), and so does its gradient', () => {
    const gamma = 0.1,
      H = 3; // quadratic piece on |z| < 1/3, coefficients (1−γ)H/4, (1+γ)/2, (1−γ)/(4H)
    const n = 4,
      d = 3,
      m = 6;
    const model = twoLayerNet({
      d,
      width: m,
      activation: smoothLeakyRelu(gamma, H),
      trainOutput: true,
      hiddenBias: true,
      wScale: 1,
      vScale: 1,
      vInit: 'gaussian',
    });
    const rng = new Rng(7);
    const X = randomMat(rng, n, d, 0.1);
    // pairs of nearly equal neurons with opposite output weights: the prediction is a small difference of O(0.1) terms
    const theta = new Float64Array(model.nParams);
    for (let j = 0; j < m; j += 2) {
      for (let k = 0; k < d; k++) {
        theta[j * d + k] = rng.normal();
        theta[(j + 1) * d + k] = theta[j * d + k] * (1 + 1e-9 * rng.normal());
      }
      theta[m * d + j] = 1 + rng.normal() * 0.1;
      theta[m * d + j + 1] = -theta[m * d + j] * (1 + 1e-9);
      theta[m * d + m + j] = 0.1 * rng.normal();
      theta[m * d + m + j + 1] = theta[m * d + m + j];
    }
    const f64 = new Float64Array(n);
    model.forward(theta, X, f64);
    const fdd = ddVec(n);
    model.dd!().forward(ddVecFrom(theta), X, fdd);

    const [g, h] = [exactBig(gamma), exactBig(H)];
    const one = big.bignumber(1);
    const edge = one.div(h);
    const phi = (z: BigNumber): BigNumber =>
      z.gte(edge)
        ? z
        : z.lte(edge.neg())
          ? g.times(z)
          : one
              .minus(g)
              .times(h)
              .div(4)
              .times(z)
              .times(z)
              .plus(one.plus(g).div(2).times(z))
              .plus(one.minus(g).div(h.times(4)));
    let quadraticTerms = 0;
    for (let i = 0; i < n; i++) {
      let f = big.bignumber(0),
        scale = big.bignumber(0);
      for (let j = 0; j < m; j++) {
        let z = exactBig(theta[m * d + m + j]);
        for (let k = 0; k < d; k++) z = z.plus(exactBig(theta[j * d + k]).times(exactBig(X.data[i * d + k])));
        if (z.abs().lt(edge)) quadraticTerms++;
        const term = exactBig(theta[m * d + j]).times(phi(z));
        f = f.plus(term);
        scale = scale.plus(term.abs());
      }
      const ddError = big.abs(exactBig(fdd.hi[i]).plus(exactBig(fdd.lo[i])).minus(f)).toNumber();
      const f64Error = big.abs(exactBig(f64[i]).minus(f)).toNumber();
      expect(scale.toNumber()).toBeGreaterThan(0.05);
      expect(Math.abs(f.toNumber())).toBeLessThan(1e-7 * scale.toNumber());
      expect(f64Error / Math.abs(f.toNumber()), 'float64 has lost digits').toBeGreaterThan(1e-9);
      expect(ddError, `row ${i}: dd error ${ddError}, float64 error ${f64Error}`).toBeLessThanOrEqual(1e-28);
    }
    expect(quadraticTerms).toBeGreaterThan(n); // the quadratic piece, with its dd coefficients, is exercised

    // the backward pass against BigNumber: ∂/∂v_j = Σ_i c_i φ(z_ij), ∂/∂b_j = Σ_i c_i v_j φ′(z_ij), ∂/∂w_jk = Σ_i c_i v_j φ′(z_ij) x_ik
    const c = Float64Array.from([1, -1, 0.5, 0.25]);
    const gd = ddVec(model.nParams);
    model.dd!().backward(ddVecFrom(theta), X, ddVecFrom(c), gd);
    const dphi = (z: BigNumber): BigNumber => (z.gte(edge) ? one : z.lte(edge.neg()) ? g : one.minus(g).times(h).div(2).times(z).plus(one.plus(g).div(2)));
    const exact = Array.from({ length: model.nParams }, () => ({ sum: big.bignumber(0), scale: big.bignumber(0) }));
    const add = (k: number, term: BigNumber) => ((exact[k].sum = exact[k].sum.plus(term)), (exact[k].scale = exact[k].scale.plus(term.abs())));
    for (let i = 0; i < n; i++)
      for (let j = 0; j < m; j++) {
        let z = exactBig(theta[m * d + m + j]);
        for (let k = 0; k < d; k++) z = z.plus(exactBig(theta[j * d + k]).times(exactBig(X.data[i * d + k])));
        const ci = exactBig(c[i]);
        add(m * d + j, ci.times(phi(z)));
        const gij = ci.times(exactBig(theta[m * d + j])).times(dphi(z));
        add(m * d + m + j, gij);
        for (let k = 0; k < d; k++) add(j * d + k, gij.times(exactBig(X.data[i * d + k])));
      }
    exact.forEach(({ sum, scale }, k) => {
      const err = big.abs(exactBig(gd.hi[k]).plus(exactBig(gd.lo[k])).minus(sum)).toNumber();
      expect(err, `gradient entry ${k}`).toBeLessThanOrEqual(1e-28 * scale.toNumber());
    });
  });
});
