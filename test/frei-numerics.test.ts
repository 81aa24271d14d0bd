import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { exactGram } from '../src/numeric/data.js';
import { normalizedFlow } from '../src/numeric/dynamics.js';
import { OutsideDomainError } from '../src/core/errors.js';
import { cholesky, fromRows, gramRows, matmul, transpose, mat } from '../src/numeric/linalg.js';
import { exponentialLoss } from '../src/numeric/losses.js';
import { hardMarginSvm, kktResidual } from '../src/numeric/maxmargin.js';
import { leakyRelu, smoothLeakyRelu, twoLayerNet } from '../src/numeric/models.js';
import { objective } from '../src/numeric/objective.js';
import { Rng } from '../src/numeric/rng.js';
import { fcRuns } from './helpers.js';

describe('exact-Gram data', () => {
  it('has exactly the requested κ, norms and Gram matrix (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 12 }), fc.constantFrom('anti-aligned', 'aligned', 'random'), fc.constantFrom(2, 5, 50), fc.constantFrom(1, 1.5), (n, pattern, kappa, R) => {
        const D = exactGram(new Rng(n), { n, d: n + 3, kappa, pattern: pattern as 'random', Rratio: R, nPositive: Math.floor(n / 2) });
        expect(D.stats.kappa).toBeCloseTo(kappa, 9);
        expect(D.stats.Rmin).toBeCloseTo(1, 12);
        expect(D.stats.Rratio).toBeCloseTo(R, 12);
        if (pattern === 'anti-aligned') {
          const G = gramRows(D.X);
          for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) expect(Math.sign(G.data[i * n + j])).toBe(-D.y[i] * D.y[j]);
        }
      }),
      fcRuns(60),
    );
  });

  it('is out of the domain when the anti-aligned Gram matrix is not positive definite (κ < (n−1)/n)', () => {
    expect(() => exactGram(new Rng(1), { n: 10, d: 10, kappa: 0.5, pattern: 'anti-aligned', Rratio: 1, nPositive: 5 })).toThrow(OutsideDomainError);
    expect(() => exactGram(new Rng(1), { n: 10, d: 10, kappa: 0.95, pattern: 'anti-aligned', Rratio: 1, nPositive: 5 })).not.toThrow();
  });

  it('Cholesky reproduces its matrix', () => {
    const A = fromRows([[4, 2, 0.4], [2, 5, 1], [0.4, 1, 3]]);
    const L = cholesky(A)!;
    const back = matmul(L, transpose(L));
    back.data.forEach((x, i) => expect(x).toBeCloseTo(A.data[i], 13));
    expect(cholesky(fromRows([[1, 2], [2, 1]]))).toBeUndefined();
  });
});

describe('the γ-leaky H-smooth activation', () => {
  it('is C¹ with φ′ ∈ [γ, 1] (property)', () => {
    fc.assert(
      fc.property(fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0.5, max: 10, noNaN: true }), fc.double({ min: -5, max: 5, noNaN: true }), (g, H, z) => {
        const a = smoothLeakyRelu(g, H);
        const d = a.dphi(z);
        expect(d).toBeGreaterThanOrEqual(g - 1e-12);
        expect(d).toBeLessThanOrEqual(1 + 1e-12);
        for (const b of [1 / H, -1 / H]) {
          expect(a.phi(b + 1e-9)).toBeCloseTo(a.phi(b - 1e-9), 7);
          expect(a.dphi(b + 1e-9)).toBeCloseTo(a.dphi(b - 1e-9), 7);
        }
        const h = 1e-6;
        expect((a.phi(z + h) - a.phi(z - h)) / (2 * h)).toBeCloseTo(d, 5);
      }),
      fcRuns(200),
    );
  });
});

describe('the normalized flow', () => {
  it('steps along −∇L_exp / L_exp (gradient flow on the exponential loss up to a time change)', () => {
    const rng = new Rng(3);
    const data = exactGram(rng, { n: 6, d: 6, kappa: 20, pattern: 'random', Rratio: 1, nPositive: 3 });
    const model = twoLayerNet({ d: 6, width: 5, activation: leakyRelu(0.3), trainOutput: false, wScale: 0.3, vScale: 1 / Math.sqrt(5), vInit: 'sign' });
    const theta0 = model.init(rng);
    const eta = 1e-3;
    const step = normalizedFlow(model, data.X, data.y, theta0, { steps: 1, eta }).theta;
    const obj = objective(model, exponentialLoss, data.X, data.y, 'sum');
    const g = new Float64Array(model.nParams);
    const L = obj.valueAndGrad(theta0, g);
    for (let i = 0; i < g.length; i++) expect(step[i]).toBeCloseTo(theta0[i] - (eta * g[i]) / L, 13);
  });
});

describe('max-margin checks', () => {
  it('the KKT residual vanishes at the L1 construction and not at a perturbation of it', () => {
    // orthonormal data, two positive and two negative points; a_j = ±1/√m with both signs
    const m = 4, gamma = 0.3;
    const X = fromRows([[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]]);
    const y = Float64Array.from([1, 1, -1, -1]);
    const a = Float64Array.from([0.5, 0.5, -0.5, -0.5]);
    const A = [1, 1, 0, 0], B = [0, 0, 1, 1];
    const uPlus = A.map((x, k) => x - gamma * B[k]);
    const uMinus = B.map((x, k) => x - gamma * A[k]);
    const W = mat(m, 4);
    for (let j = 0; j < m; j++) W.data.set((a[j] > 0 ? uPlus : uMinus).map((x) => Math.abs(a[j]) * x), j * 4);
    expect(kktResidual(W, a, X, y, gamma).residual).toBeLessThan(1e-9);
    const bent = { ...W, data: Float64Array.from(W.data) };
    bent.data[0] += 0.3;
    bent.data[5] -= 0.2;
    expect(kktResidual(bent, a, X, y, gamma).residual).toBeGreaterThan(1e-2);
  });

  it('the hard-margin SVM finds margin 1/√n on orthonormal points and matches a known 2-D case', () => {
    const X = fromRows([[1, 0, 0], [0, 1, 0], [0, 0, 1]]);
    const y = Float64Array.from([1, -1, 1]);
    expect(hardMarginSvm(X, y).margin).toBeCloseTo(1 / Math.sqrt(3), 10);
    // points (2,0) and (0,1) with labels +, −: max-margin direction ∝ (1/2, −1)·… margin = 2/√5
    const r = hardMarginSvm(fromRows([[2, 0], [0, 1]]), Float64Array.from([1, -1]));
    expect(r.margin).toBeCloseTo(2 / Math.sqrt(5), 10);
  });
});

describe('two-cluster mixture data', () => {
  it('lowers κ as the cluster mean grows, and puts each class on its side of μ', async () => {
    const { gaussianMixture } = await import('../src/numeric/data.js');
    const k = [0, 8, 30].map((mu) => gaussianMixture(new Rng(4), 20, 4000, mu, 10).stats.kappa);
    expect(k[0]).toBeGreaterThan(k[1]);
    expect(k[1]).toBeGreaterThan(k[2]);
    const D = gaussianMixture(new Rng(4), 6, 50, 100, 3);
    const mean = (i: number) => D.X.data.subarray(i * 50, (i + 1) * 50).reduce((s, x) => s + x, 0);
    expect(Math.sign(mean(0))).toBe(-Math.sign(mean(5)));
  });
});
