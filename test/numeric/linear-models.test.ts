// Linear models (src/numeric/linear.ts, diagonal-linear.ts, deep-linear-net.ts): predictions against
// their formulas, double-double twins against float64, the uv ↔ u2-v2 correspondence of diagonal
// networks, and the balanced start of deep linear networks. (Gradients: test/blocks/contract.test.ts.)
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ddObjective, ddVec, ddVecFrom, type DDModel } from '../../src/numeric/dd-model.js';
import { balancedLayers, deepLinearOnVectors, deepLinearSizes, endToEnd } from '../../src/numeric/deep-linear-net.js';
import { diagonalLinear } from '../../src/numeric/diagonal-linear.js';
import { linearModel } from '../../src/numeric/linear.js';
import { matmul, transpose, type Mat } from '../../src/numeric/linalg.js';
import { logisticLoss, squareLoss, type Loss } from '../../src/numeric/losses.js';
import { leakyRelu, type Model } from '../../src/numeric/models.js';
import { reluNet } from '../../src/numeric/relunet.js';
import { objective } from '../../src/numeric/objective.js';
import { Rng } from '../../src/numeric/rng.js';
import { fcRuns } from '../checks.js';

const randomMat = (rng: Rng, rows: number, cols: number): Mat => ({ rows, cols, data: rng.fillNormal(new Float64Array(rows * cols)) });
const dot = (a: ArrayLike<number>, b: ArrayLike<number>, n = a.length) => Array.from({ length: n }, (_, k) => a[k] * b[k]).reduce((s, x) => s + x, 0);
const maxAbs = (a: ArrayLike<number>) => Array.from(a).reduce((s, x) => Math.max(s, Math.abs(x)), 0);

/** |float64 − double-double| of the value and gradient, relative to their size. */
function twinGap(model: Model, loss: Loss, X: Mat, y: Float64Array, theta: Float64Array): number {
  const twin: DDModel = model.dd!();
  const g = new Float64Array(model.nParams);
  const v = objective(model, loss, X, y, 'mean').valueAndGrad(theta, g);
  const gd = ddVec(twin.nParams);
  const vd = ddObjective(twin, loss.dd!, X, y, 'mean').valueAndGrad(ddVecFrom(theta), gd);
  const gdr = Float64Array.from(gd.hi, (h, i) => h + gd.lo[i]);
  return Math.max(Math.abs(v - (vd.hi + vd.lo)) / (1 + Math.abs(v)), maxAbs(g.map((x, i) => x - gdr[i])) / (1 + maxAbs(g)));
}

describe('linear model', () => {
  it('predicts ⟨w, x⟩ + b; zero init is 0 and draws nothing, gaussian init has entries of variance scale²; the twin agrees with float64', () => {
    const rng = new Rng(1);
    const X = randomMat(rng, 5, 3);
    const m = linearModel({ d: 3, bias: true, init: 'gaussian', scale: 0.5 });
    const theta = m.init(rng.fork('init'));
    const out = new Float64Array(5);
    m.forward(theta, X, out);
    for (let i = 0; i < 5; i++) expect(out[i]).toBeCloseTo(dot(theta, X.data.subarray(3 * i), 3) + theta[3], 14);
    expect(Array.from(m.layers(theta).w.data)).toEqual(Array.from(theta.subarray(0, 3)));
    expect(Array.from(m.layers(theta).b.data)).toEqual([theta[3]]);
    const usage = { drawn: false };
    expect(Array.from(linearModel({ d: 3, bias: true, init: 'zero', scale: 1 }).init(new Rng(2, usage)))).toEqual([0, 0, 0, 0]);
    expect(usage.drawn).toBe(false);
    const big = linearModel({ d: 20000, bias: false, init: 'gaussian', scale: 0.5 }).init(new Rng(3));
    expect(dot(big, big) / 20000).toBeCloseTo(0.25, 1);
    for (const loss of [squareLoss, logisticLoss]) expect(twinGap(m, loss, X, rng.fillNormal(new Float64Array(5)), theta)).toBeLessThan(1e-13);
  });
});

describe('diagonal linear network', () => {
  it('w = u⊙u − v⊙v or u⊙v; both starts give w(0) = 0; the twin agrees with float64', () => {
    const rng = new Rng(4);
    const X = randomMat(rng, 4, 6),
      y = rng.fillNormal(new Float64Array(4));
    for (const parametrization of ['u2-v2', 'uv'] as const) {
      const m = diagonalLinear({ d: 6, parametrization, alpha: 0.3 });
      expect(maxAbs(m.layers(m.init(rng)).w.data)).toBe(0);
      const theta = rng.fillNormal(new Float64Array(12));
      const w = m.layers(theta).w.data;
      for (let k = 0; k < 6; k++) expect(w[k]).toBe(parametrization === 'uv' ? theta[k] * theta[6 + k] : theta[k] * theta[k] - theta[6 + k] * theta[6 + k]);
      const out = new Float64Array(4);
      m.forward(theta, X, out);
      for (let i = 0; i < 4; i++) expect(out[i]).toBeCloseTo(dot(w, X.data.subarray(6 * i), 6), 13);
      expect(twinGap(m, squareLoss, X, y, theta)).toBeLessThan(1e-13);
    }
  });

  it('gradient descent on uv with step η from (2α, 0) follows u2-v2 with step η/2 from (α, α): the same w at every step (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1e6 }), fc.constantFrom(0.01, 0.3, 2), fc.integer({ min: 1, max: 6 }), (seed, alpha, d) => {
        const rng = new Rng(seed);
        const n = Math.max(1, d - 2);
        const X = randomMat(rng, n, d),
          y = rng.fillNormal(new Float64Array(n));
        const run = (parametrization: 'uv' | 'u2-v2', eta: number) => {
          const m = diagonalLinear({ d, parametrization, alpha });
          const obj = objective(m, squareLoss, X, y, 'mean');
          const theta = m.init(rng),
            g = new Float64Array(2 * d);
          const path: Float64Array[] = [];
          for (let t = 0; t < 200; t++) {
            obj.valueAndGrad(theta, g);
            for (let e = 0; e < 2 * d; e++) theta[e] -= eta * g[e];
            path.push(Float64Array.from(m.layers(theta).w.data));
          }
          return path;
        };
        const uv = run('uv', 0.02),
          u2v2 = run('u2-v2', 0.01);
        for (let t = 0; t < 200; t++) expect(maxAbs(uv[t].map((x, k) => x - u2v2[t][k]))).toBeLessThan(1e-12 * (1 + maxAbs(u2v2[t])));
      }),
      fcRuns(20),
    );
  });
});

describe('deep linear network on vectors', () => {
  it('one output: f(x) = W_L⋯W_1 x on rows x; vector outputs: row [x, e_c] gives (W_L⋯W_1 x)_c; layers W1 … WL, W and (one output) w', () => {
    const rng = new Rng(5);
    for (const dOut of [undefined, 3]) {
      const m = deepLinearOnVectors({ d: 4, width: 5, depth: 3, dOut, init: 'gaussian', scale: 0.8 });
      const theta = m.init(rng);
      const L = m.layers(theta);
      expect(Object.keys(L).sort()).toEqual(dOut ? ['W', 'W1', 'W2', 'W3'] : ['W', 'W1', 'W2', 'W3', 'w']);
      const P = matmul(L.W3, matmul(L.W2, L.W1));
      expect(maxAbs(P.data.map((x, e) => x - L.W.data[e]))).toBeLessThan(1e-14);
      if (!dOut) expect(L.w.data).toEqual(L.W.data);
      const xs = randomMat(rng, 6, 4);
      const rows = dOut ? 6 * dOut : 6,
        cols = dOut ? 4 + dOut : 4;
      const X: Mat = { rows, cols, data: new Float64Array(rows * cols) };
      for (let i = 0; i < rows; i++) {
        const x = dOut ? Math.floor(i / dOut) : i;
        X.data.set(xs.data.subarray(4 * x, 4 * x + 4), i * cols);
        if (dOut) X.data[i * cols + 4 + (i % dOut)] = 1;
      }
      const out = new Float64Array(rows);
      m.forward(theta, X, out);
      for (let i = 0; i < rows; i++) {
        const x = dOut ? Math.floor(i / dOut) : i,
          c = dOut ? i % dOut : 0;
        expect(out[i]).toBeCloseTo(dot(P.data.subarray(4 * c), xs.data.subarray(4 * x), 4), 12);
      }
      const ddLayers = m.dd!().layers(ddVecFrom(theta));
      expect(maxAbs(ddLayers.W.hi.map((h, e) => h + ddLayers.W.lo[e] - P.data[e]))).toBeLessThan(1e-14);
      if (!dOut) expect(ddLayers.w).toBe(ddLayers.W);
      expect(
        twinGap(
          m,
          dOut ? squareLoss : logisticLoss,
          X,
          Float64Array.from({ length: rows }, (_, i) => (i % 2 ? 1 : -1)),
          theta,
        ),
      ).toBeLessThan(1e-13);
    }
  });

  it('one output: value and gradient equal relu-net with γ = 1 on the rows [x_i, 1] (an independent implementation), to rounding (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1e6 }),
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: 1, max: 4 }),
        (seed, d, width, depth) => {
          const rng = new Rng(seed);
          const n = 7;
          const X = randomMat(rng, n, d),
            y = Float64Array.from({ length: n }, () => rng.sign());
          const Xa: Mat = { rows: n, cols: d + 1, data: new Float64Array(n * (d + 1)) };
          for (let i = 0; i < n; i++) (Xa.data.set(X.data.subarray(i * d, (i + 1) * d), i * (d + 1)), (Xa.data[i * (d + 1) + d] = 1));
          const chain = deepLinearOnVectors({ d, width, depth, init: 'gaussian', scale: 0.9 });
          const linearRelu = reluNet({ sizes: deepLinearSizes({ d, width, depth }), activation: leakyRelu(1, 1), init: 'gaussian', scale: 1 });
          const theta = chain.init(rng);
          const [g1, g2] = [new Float64Array(theta.length), new Float64Array(theta.length)];
          const v1 = objective(chain, logisticLoss, X, y, 'sum').valueAndGrad(theta, g1);
          const v2 = objective(linearRelu, logisticLoss, Xa, y, 'sum').valueAndGrad(theta, g2);
          expect(Math.abs(v1 - v2)).toBeLessThan(1e-12 * (1 + Math.abs(v2)));
          expect(maxAbs(g1.map((x, e) => x - g2[e]))).toBeLessThan(1e-12 * (1 + maxAbs(g2)));
        },
      ),
      fcRuns(40),
    );
  });

  it('gaussian init: every entry N(0, scale²) (sample variance over 30 000 entries within 3%)', () => {
    const m = deepLinearOnVectors({ d: 100, width: 100, depth: 4, init: 'gaussian', scale: 0.3 });
    const theta = m.init(new Rng(6));
    expect(theta.length).toBe(100 * 100 * 3 + 100);
    expect(Math.abs(dot(theta, theta) / theta.length / 0.09 - 1)).toBeLessThan(0.03);
  });

  it('balanced start: W_{j+1}ᵀW_{j+1} = W_jW_jᵀ and W_L⋯W_1 = P, padded to any width ≥ min(d, d_out) (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1e6 }),
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 0, max: 3 }),
        (seed, d, dOut, depth, extra) => {
          const width = Math.min(d, dOut) + extra;
          const sizes = deepLinearSizes({ d, width, depth, dOut });
          const rng = new Rng(seed);
          const P = randomMat(rng, dOut, d);
          const theta = balancedLayers(sizes, P, new Float64Array(sizes.slice(1).reduce((a, s, j) => a + s * sizes[j], 0)).fill(7));
          const E = endToEnd(sizes, theta);
          expect(maxAbs(E.data.map((x, e) => x - P.data[e]))).toBeLessThan(1e-12 * (1 + maxAbs(P.data)));
          const m = deepLinearOnVectors({ d, width, depth, dOut, init: 'gaussian', scale: 1 });
          const L = m.layers(theta);
          for (let j = 1; j < depth; j++) {
            const lower = L[`W${j}`],
              upper = L[`W${j + 1}`];
            const a = matmul(lower, transpose(lower)),
              b = matmul(transpose(upper), upper);
            expect(maxAbs(a.data.map((x, e) => x - b.data[e]))).toBeLessThan(1e-12 * (1 + maxAbs(a.data)));
          }
        },
      ),
      fcRuns(40),
    );
  });

  it('balanced init draws its product with entries N(0, scale²); a width below min(d, d_out) is refused', () => {
    const m = deepLinearOnVectors({ d: 3, width: 4, depth: 3, init: 'balanced', scale: 0.5 });
    const theta = m.init(new Rng(8));
    const r = new Rng(8).fork('layers');
    const P = Float64Array.from({ length: 3 }, () => 0.5 * r.normal());
    const W = m.layers(theta).w.data;
    expect(maxAbs(W.map((x, e) => x - P[e]))).toBeLessThan(1e-14);
    expect(() => deepLinearOnVectors({ d: 3, width: 1, depth: 3, dOut: 2, init: 'balanced', scale: 1 }).init(new Rng(1))).toThrow(/hidden widths of at least/);
  });
});
