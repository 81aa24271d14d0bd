// Max-margin checks (src/numeric/maxmargin.ts): the KKT residual and the hard-margin SVM.
import { describe, expect, it } from 'vitest';
import { fromRows, mat } from '../../src/numeric/linalg.js';
import { hardMarginSvm, kktResidual } from '../../src/numeric/maxmargin.js';

describe('max-margin checks', () => {
  it('the KKT residual vanishes at the L1 construction and not at a perturbation of it', () => {
    // orthonormal data, two positive and two negative points; a_j = ±1/√m with both signs
    const m = 4,
      gamma = 0.3;
    const X = fromRows([
      [1, 0, 0, 0],
      [0, 1, 0, 0],
      [0, 0, 1, 0],
      [0, 0, 0, 1],
    ]);
    const y = Float64Array.from([1, 1, -1, -1]);
    const a = Float64Array.from([0.5, 0.5, -0.5, -0.5]);
    const A = [1, 1, 0, 0],
      B = [0, 0, 1, 1];
    const uPlus = A.map((x, k) => x - gamma * B[k]);
    const uMinus = B.map((x, k) => x - gamma * A[k]);
    const W = mat(m, 4);
    for (let j = 0; j < m; j++)
      W.data.set(
        (a[j] > 0 ? uPlus : uMinus).map((x) => Math.abs(a[j]) * x),
        j * 4,
      );
    expect(kktResidual(W, a, X, y, gamma).residual).toBeLessThan(1e-9);
    const bent = { ...W, data: Float64Array.from(W.data) };
    bent.data[0] += 0.3;
    bent.data[5] -= 0.2;
    expect(kktResidual(bent, a, X, y, gamma).residual).toBeGreaterThan(1e-2);
  });

  it('the hard-margin SVM finds margin 1/√n on orthonormal points and matches a known 2-D case', () => {
    const X = fromRows([
      [1, 0, 0],
      [0, 1, 0],
      [0, 0, 1],
    ]);
    const y = Float64Array.from([1, -1, 1]);
    expect(hardMarginSvm(X, y).margin).toBeCloseTo(1 / Math.sqrt(3), 10);
    // points (2,0) and (0,1) with labels +, −: max-margin direction ∝ (1/2, −1)·… margin = 2/√5
    const r = hardMarginSvm(
      fromRows([
        [2, 0],
        [0, 1],
      ]),
      Float64Array.from([1, -1]),
    );
    expect(r.margin).toBeCloseTo(2 / Math.sqrt(5), 10);
  });
});
