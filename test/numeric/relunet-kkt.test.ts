// The KKT residual of Problem 7 for deep bias-free ReLU nets (src/numeric/relunet-kkt.ts): zero at
// constructed KKT points (any scale), positive away from them, and the NNLS it rests on.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { mat } from '../../src/numeric/linalg.js';
import { leakyRelu } from '../../src/numeric/models.js';
import { homogeneousKkt, nnlsNormal } from '../../src/numeric/relunet-kkt.js';
import { reluNet } from '../../src/numeric/relunet.js';
import { Rng } from '../../src/numeric/rng.js';
import { fcRuns } from '../checks.js';

/** Rows [x_i, 1] for a scalar-output net. */
const rows = (xs: number[][]) =>
  mat(
    xs.length,
    xs[0].length + 1,
    xs.flatMap((x) => [...x, 1]),
  );
const relu = leakyRelu(0, 0);

// x₁ = e₁ (y = +1), x₂ = e₂ (y = −1); neuron j serves x_j: W1 = I, W2 = (1, −1). Margins 1 and 1, and
// θ = g₁ + g₂ (each neuron's gradient from its own point): a KKT point with λ = (1, 1).
const X2 = rows([
  [1, 0],
  [0, 1],
]);
const y2 = Float64Array.from([1, -1]);
const depth2 = reluNet({ sizes: [2, 2, 1], activation: relu, init: 'gaussian', scale: 1 });
const kkt2 = Float64Array.from([1, 0, 0, 1, 1, -1]);
// depth 3: W1 = I, W2 = I, W3 = (1, −1): θ = Σ λ_i g_i with λ = (1, 1) again (each g_i has ‖·‖² = 3 = k q_i).
const depth3 = reluNet({ sizes: [2, 2, 2, 1], activation: relu, init: 'gaussian', scale: 1 });
const kkt3 = Float64Array.from([1, 0, 0, 1, 1, 0, 0, 1, 1, -1]);

describe('homogeneousKkt', () => {
  it('is 0 at a constructed KKT point of depth 2 and 3, at any scale of θ', () => {
    for (const [model, theta, k] of [
      [depth2, kkt2, 2],
      [depth3, kkt3, 3],
    ] as const)
      for (const c of [1, 0.3, 7]) {
        const r = homogeneousKkt(
          model,
          Float64Array.from(theta, (t) => c * t),
          X2,
          y2,
          k,
        );
        expect(r.residual).toBeLessThan(1e-12);
        expect(Array.from(r.lambda)).toEqual([expect.closeTo(1, 10), expect.closeTo(1, 10)]);
        expect(Array.from(r.margins)).toEqual([expect.closeTo(1, 12), expect.closeTo(1, 12)]);
      }
  });

  it('sees a point off the KKT set: a first-layer weight along the other input', () => {
    // w₁ = (1, 0.5): margins stay 1 and 1, but θ̂ now has a component no gradient has (‖r‖² = 0.25·something)
    const theta = Float64Array.from([1, 0.5, 0, 1, 1, -1]);
    const r = homogeneousKkt(depth2, theta, X2, y2, 2);
    expect(r.stationarity).toBeGreaterThan(0.05);
    expect(r.residual).toBeGreaterThan(0.05);
  });

  it('charges a multiplier on an inactive constraint to slackness', () => {
    // neuron 2 = √2·(e₂, −1): θ = g₁ + g₂ exactly (stationary with λ = (1, 1)), but x₂'s margin is 2, so
    // λ₂ > 0 sits on an inactive constraint: not a KKT point, and stationarity alone would say 0
    const theta = Float64Array.from([1, 0, 0, Math.SQRT2, 1, -Math.SQRT2]);
    const r = homogeneousKkt(depth2, theta, X2, y2, 2);
    expect(Array.from(r.margins)).toEqual([expect.closeTo(1, 12), expect.closeTo(2, 12)]);
    expect(r.residual).toBeGreaterThan(0.1);
    expect(r.slackness).toBeGreaterThan(0);
  });

  it('puts the multipliers on the active constraint where an inactive one has the same gradient direction', () => {
    // x₃ = 2x₁ (margin 2, inactive) has g₃ = 2g₁, so stationarity alone is met by λ₃ = ½ as well as by λ₁ = 1;
    // only λ₁ = 1 is complementary, and the point is a KKT point
    const X3 = rows([
      [1, 0],
      [0, 1],
      [2, 0],
    ]);
    const r = homogeneousKkt(depth2, kkt2, X3, Float64Array.from([1, -1, 1]), 2);
    expect(Array.from(r.margins)).toEqual([expect.closeTo(1, 12), expect.closeTo(1, 12), expect.closeTo(2, 12)]);
    expect(r.residual).toBeLessThan(1e-9);
    expect(r.lambda[2]).toBeLessThan(1e-9);
  });

  it('is Infinity where a margin is not positive (a point every ReLU ignores)', () => {
    const theta = Float64Array.from([1, 0, -1, 0, 1, -1]); // x₂ = e₂ is dead for both neurons
    const r = homogeneousKkt(depth2, theta, X2, y2, 2);
    expect(r.residual).toBe(Infinity);
  });

  it('lies in [0, 1] and does not change when θ is scaled (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 3 }), fc.integer({ min: 0, max: 2 ** 31 - 1 }), fc.double({ min: 0.1, max: 10, noNaN: true }), (k, seed, c) => {
        const rng = new Rng(seed);
        const model = reluNet({ sizes: [2, ...Array<number>(k - 1).fill(4), 1], activation: relu, init: 'gaussian', scale: 1 });
        const X = rows(Array.from({ length: 4 }, () => [rng.normal(), rng.normal()]));
        const theta = model.init(rng.fork('init'));
        const f = new Float64Array(4);
        model.forward(theta, X, f);
        const y = Float64Array.from(f, (v) => (v >= 0 ? 1 : -1));
        const r = homogeneousKkt(model, theta, X, y, k);
        if (!Number.isFinite(r.residual)) return; // a margin exactly 0 (a dead point)
        expect(r.residual).toBeGreaterThanOrEqual(0);
        expect(r.residual).toBeLessThanOrEqual(1 + 1e-12);
        const scaled = homogeneousKkt(
          model,
          Float64Array.from(theta, (t) => c * t),
          X,
          y,
          k,
        );
        expect(scaled.residual).toBeCloseTo(r.residual, 9);
      }),
      fcRuns(40),
    );
  });
});

describe('nnlsNormal', () => {
  it('solves min ‖Aλ − c‖ over λ ≥ 0 where the unconstrained solution is negative in one coordinate', () => {
    // A = I₂, c = (1, −2): λ = (1, 0)
    expect(
      Array.from(
        nnlsNormal(
          [
            [1, 0],
            [0, 1],
          ],
          [1, -2],
        ),
      ),
    ).toEqual([1, 0]);
    // A = [[1, 1], [0, 1]], c = (2, −1): unconstrained (3, −1); with λ₂ = 0, λ₁ = 2
    const lam = nnlsNormal(
      [
        [1, 1],
        [1, 2],
      ],
      [2, 1],
    );
    expect(lam[0]).toBeCloseTo(2, 12);
    expect(lam[1]).toBe(0);
  });

  it('meets the KKT conditions of the NNLS on random problems (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 6 }), fc.integer({ min: 0, max: 2 ** 31 - 1 }), (n, seed) => {
        const rng = new Rng(seed);
        const m = n + 3;
        const A = Array.from({ length: m }, () => Array.from({ length: n }, () => rng.normal()));
        const c = Array.from({ length: m }, () => rng.normal());
        const H = Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => A.reduce((s, r) => s + r[i] * r[j], 0)));
        const b = Array.from({ length: n }, (_, i) => A.reduce((s, r, t) => s + r[i] * c[t], 0));
        const lam = nnlsNormal(H, b);
        for (let i = 0; i < n; i++) {
          const grad = H[i].reduce((s, h, j) => s + h * lam[j], 0) - b[i];
          expect(lam[i]).toBeGreaterThanOrEqual(0);
          expect(grad).toBeGreaterThan(-1e-9);
          if (lam[i] > 0) expect(Math.abs(grad)).toBeLessThan(1e-9);
        }
      }),
      fcRuns(100),
    );
  });
});
