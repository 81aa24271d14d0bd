// The deep linear factorization (src/numeric/deeplinear.ts): gradients for any depth and shape, the
// layers W1…WL and their product W, balanced starts with the asked determinant sign.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ddAdd, ddFromNumber, ddMul } from '../../src/numeric/dd.js';
import { ddGet, ddMatMul, ddSet, ddVec, type DDMat, type DDVec } from '../../src/numeric/dd-model.js';
import { deepLinearNet, layerShapes } from '../../src/numeric/deeplinear.js';
import { determinant, frobeniusNorm, gramCols, gramRows, mat, subtract, type Mat } from '../../src/numeric/linalg.js';
import { LOSSES } from '../../src/numeric/losses.js';
import { objective } from '../../src/numeric/objective.js';
import { Rng } from '../../src/numeric/rng.js';
import { expectGradientMatchesFD, fcRuns } from '../checks.js';
import { sameBits } from './objective-kernel-checks.js';

/** Random completion data: `k` distinct observed entries of a rows×cols matrix with N(0,1) values. */
function completion(rng: Rng, rows: number, cols: number, k: number) {
  const idx = Array.from({ length: rows * cols }, (_, i) => i)
    .sort(() => rng.uniform() - 0.5)
    .slice(0, k);
  const X = mat(k, rows * cols);
  idx.forEach((at, r) => (X.data[r * rows * cols + at] = 1));
  return { X, y: Float64Array.from(idx.map(() => rng.normal())) };
}

describe('deep linear factorization', () => {
  it('has gradients that match central finite differences for any depth and shape (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 0, max: 2 ** 31 - 1 }),
        (L, rows, cols, width, seed) => {
          const rng = new Rng(seed);
          const model = deepLinearNet({ rows, cols, depth: L, width, init: 'gaussian', scale: 0.8, detSign: 'any' });
          const { X, y } = completion(rng, rows, cols, Math.max(1, Math.floor((rows * cols) / 2)));
          const obj = objective(model, LOSSES.square, X, y, 'sum');
          const theta = model.init(rng.fork('init'));
          expectGradientMatchesFD(obj, theta, 1e-6);
        },
      ),
      fcRuns(60),
    );
  });

  it('predicts ⟨A_k, W_L⋯W_1⟩ and names its layers W1…WL and the product W', () => {
    const model = deepLinearNet({ rows: 2, cols: 3, depth: 3, width: 2, init: 'gaussian', scale: 1, detSign: 'any' });
    expect(layerShapes({ rows: 2, cols: 3, depth: 3, width: 2 })).toEqual([
      [2, 3],
      [2, 2],
      [2, 2],
    ]);
    const theta = model.init(new Rng(5));
    const Ls = model.layers(theta);
    expect(Object.keys(Ls)).toEqual(['W1', 'W2', 'W3', 'W']);
    const mm = (a: { rows: number; cols: number; data: ArrayLike<number> }, b: typeof a) => {
      const out = mat(a.rows, b.cols);
      for (let i = 0; i < a.rows; i++)
        for (let j = 0; j < b.cols; j++) for (let k = 0; k < a.cols; k++) out.data[i * b.cols + j] += a.data[i * a.cols + k] * b.data[k * b.cols + j];
      return out;
    };
    const P = mm(Ls.W3, mm(Ls.W2, Ls.W1));
    for (let k = 0; k < 6; k++) expect(Ls.W.data[k]).toBeCloseTo(P.data[k], 14);
    const X = mat(1, 6);
    X.data[4] = 1; // entry (2, 2)
    const out = new Float64Array(1);
    model.forward(theta, X, out);
    expect(out[0]).toBeCloseTo(P.data[4], 14);
  });

  it('balanced start: W_{j+1}ᵀW_{j+1} = W_jW_jᵀ, the product has the asked determinant sign, for every depth', () => {
    for (const L of [1, 2, 3, 4, 5])
      for (const detSign of ['positive', 'negative'] as const)
        for (let seed = 1; seed <= 5; seed++) {
          const model = deepLinearNet({ rows: 2, cols: 2, depth: L, width: 2, init: 'balanced', scale: 0.1, detSign });
          const Ls = model.layers(model.init(new Rng(seed)));
          for (let j = 1; j < L; j++) expect(frobeniusNorm(subtract(gramCols(Ls[`W${j + 1}`]), gramRows(Ls[`W${j}`])))).toBeLessThan(1e-14);
          expect(Math.sign(determinant(Ls.W))).toBe(detSign === 'positive' ? 1 : -1);
        }
    // Gaussian (unbalanced) starts honour the sign too
    for (let seed = 1; seed <= 5; seed++) {
      const m = deepLinearNet({ rows: 2, cols: 2, depth: 3, width: 2, init: 'gaussian', scale: 0.1, detSign: 'negative' });
      expect(determinant(m.layers(m.init(new Rng(seed))).W)).toBeLessThan(0);
    }
    expect(() => deepLinearNet({ rows: 2, cols: 2, depth: 2, width: 3, init: 'balanced', scale: 1, detSign: 'any' }).init(new Rng(1))).toThrow(/width = min/);
  });

  it('identity start: every layer |α|^{1/L}·I (the last negated for α < 0), balanced, with product α·I', () => {
    for (const L of [1, 2, 3, 4])
      for (const alpha of [0.3, 1, 2.5, -0.3, 0]) {
        const model = deepLinearNet({ rows: 2, cols: 2, depth: L, width: 2, init: 'identity', scale: alpha, detSign: 'any' });
        const Ls = model.layers(model.init(new Rng(1)));
        for (let j = 1; j < L; j++) expect(frobeniusNorm(subtract(gramCols(Ls[`W${j + 1}`]), gramRows(Ls[`W${j}`])))).toBeLessThan(1e-14);
        expect(Array.from(Ls.W.data)).toEqual([alpha, 0, 0, alpha].map((x) => expect.closeTo(x, 14)));
      }
    expect(() => deepLinearNet({ rows: 2, cols: 3, depth: 2, width: 2, init: 'identity', scale: 1, detSign: 'any' }).init(new Rng(1))).toThrow(
      /rows = cols = width/,
    );
  });
});

describe('deep linear factorization in double-double', () => {
  /** deepLinearNetDD's passes as first written, every matrix allocated afresh: the reference for its reused buffers. */
  function freshPasses(o: { rows: number; cols: number; depth: number; width: number }, theta: DDVec, X: Mat, c: DDVec) {
    const shapes = layerShapes(o);
    const offsets: number[] = [];
    let n = 0;
    for (const [r, k] of shapes) (offsets.push(n), (n += r * k));
    const layer = (j: number): DDMat => {
      const [r, k] = shapes[j];
      return { rows: r, cols: k, hi: theta.hi.subarray(offsets[j], offsets[j] + r * k), lo: theta.lo.subarray(offsets[j], offsets[j] + r * k) };
    };
    const identity = (m: number): DDMat => {
      const e: DDMat = { rows: m, cols: m, ...ddVec(m * m) };
      for (let a = 0; a < m; a++) e.hi[a * m + a] = 1;
      return e;
    };
    const transpose = (m: DDMat): DDMat => {
      const t: DDMat = { rows: m.cols, cols: m.rows, ...ddVec(m.hi.length) };
      for (let a = 0; a < m.rows; a++) for (let b = 0; b < m.cols; b++) ddSet(t, b * m.rows + a, ddGet(m, a * m.cols + b));
      return t;
    };
    const pre = [identity(o.cols)];
    for (let j = 0; j < o.depth; j++) pre.push(ddMatMul(layer(j), pre[j]));
    const pred = ddVec(X.rows);
    for (let i = 0; i < X.rows; i++) {
      let f = ddFromNumber(0);
      for (let k = 0; k < o.rows * o.cols; k++)
        if (X.data[i * X.cols + k] !== 0) f = ddAdd(f, ddMul(ddFromNumber(X.data[i * X.cols + k]), ddGet(pre[o.depth], k)));
      ddSet(pred, i, f);
    }
    const G: DDMat = { rows: o.rows, cols: o.cols, ...ddVec(o.rows * o.cols) };
    for (let i = 0; i < X.rows; i++)
      for (let k = 0; k < o.rows * o.cols; k++) {
        const x = X.data[i * X.cols + k];
        if (x !== 0) ddSet(G, k, ddAdd(ddGet(G, k), ddMul(ddGet(c, i), ddFromNumber(x))));
      }
    const grad = ddVec(n);
    let suffix = identity(o.rows);
    for (let j = o.depth - 1; j >= 0; j--) {
      const g = ddMatMul(ddMatMul(transpose(suffix), G), transpose(pre[j]));
      grad.hi.set(g.hi, offsets[j]);
      grad.lo.set(g.lo, offsets[j]);
      suffix = ddMatMul(suffix, layer(j));
    }
    return { pred, grad };
  }

  it('forward and backward, called again and again at new points, give the bits of passes allocated afresh (property)', () => {
    fc.assert(
      fc.property(
        fc.record({
          rows: fc.integer({ min: 1, max: 3 }),
          cols: fc.integer({ min: 1, max: 3 }),
          depth: fc.integer({ min: 1, max: 4 }),
          width: fc.integer({ min: 1, max: 3 }),
        }),
        fc.integer({ min: 0, max: 2 ** 31 - 1 }),
        (o, seed) => {
          const rng = new Rng(seed);
          const model = deepLinearNet({ ...o, init: 'gaussian', scale: 0.8, detSign: 'any' }).dd!();
          const n = 3;
          const X = mat(n, o.rows * o.cols);
          for (let q = 0; q < X.data.length; q++) X.data[q] = rng.uniform() < 0.4 ? 0 : rng.normal();
          for (let call = 0; call < 3; call++) {
            const theta: DDVec = {
              hi: Float64Array.from({ length: model.nParams }, () => rng.normal()),
              lo: Float64Array.from({ length: model.nParams }, () => rng.normal() * 1e-17),
            };
            const c: DDVec = { hi: Float64Array.from({ length: n }, (_, i) => (i === call ? 0 : rng.normal())), lo: new Float64Array(n) };
            const want = freshPasses(o, theta, X, c);
            const pred = ddVec(n),
              grad = ddVec(model.nParams);
            model.forward(theta, X, pred);
            model.backward(theta, X, c, grad);
            const bits = (v: DDVec) => [...v.hi, ...v.lo];
            expect(sameBits(bits(pred), bits(want.pred)) && sameBits(bits(grad), bits(want.grad))).toBe(true);
          }
        },
      ),
      fcRuns(150),
    );
  });
});
