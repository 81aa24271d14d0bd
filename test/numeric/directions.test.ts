// Directions (src/numeric/directions.ts): angles accurate near 0 and π, top singular vectors, and
// ±1 labels (the SVM itself: maxmargin.test.ts).
import { describe, expect, it } from 'vitest';
import { angleBetween, oneMinusCos, requireSignLabels, topSingularVector, unitVector } from '../../src/numeric/directions.js';
import { fromRows, type Mat } from '../../src/numeric/linalg.js';

const dot = (a: ArrayLike<number>, b: ArrayLike<number>) => Array.from(a).reduce((s, x, i) => s + x * b[i], 0);

describe('angles', () => {
  it('∠(e₁, (cos θ, sin θ)) = θ to relative 1e-14, from 1e-12 to π − 1e-12 (acos loses small angles entirely)', () => {
    for (const theta of [1e-12, 1e-8, 1e-4, 0.3, 1, Math.PI / 2, 2.5, Math.PI - 1e-6, Math.PI - 1e-12]) {
      const b = [Math.cos(theta), Math.sin(theta), 0];
      expect(Math.abs(angleBetween([3, 0, 0], b) - theta)).toBeLessThan(1e-14 * theta + 4e-16);
      expect(Math.abs(oneMinusCos([3, 0, 0], b) - 2 * Math.sin(theta / 2) ** 2)).toBeLessThan(1e-14 * (1 - Math.cos(theta)) + 1e-300);
      // as lines: the acute angle, and 1 − |cos|
      expect(angleBetween([3, 0, 0], b, true)).toBeCloseTo(Math.min(theta, Math.PI - theta), 14);
      expect(oneMinusCos([1, 0, 0], b, true)).toBeCloseTo(1 - Math.abs(Math.cos(theta)), 14);
    }
    expect(Math.acos(dot([1, 0], [Math.cos(1e-9), Math.sin(1e-9)]))).toBe(0);
  });

  it('does not depend on the lengths, and refuses a zero vector or different lengths', () => {
    expect(angleBetween([1, 2], [1e-200, 2e-200])).toBe(0);
    expect(angleBetween([1e300, 1e300], [-1, -1])).toBeCloseTo(Math.PI, 15);
    expect(() => angleBetween([0, 0], [1, 0], false, ['w at initial', 'w'])).toThrow('w at initial is zero, so it has no direction');
    expect(() => angleBetween([1, 0], [1, 0, 0])).toThrow('a has 2 entries but b has 3');
    expect(() => unitVector([NaN, 1], 'v')).toThrow('v is not finite');
  });
});

describe('top singular vectors', () => {
  it('finds u and v of 3uvᵀ + a small perturbation (up to sign), and refuses a tie σ₁ = σ₂', () => {
    const u = [0.6, 0.8],
      v = [2 / 3, 1 / 3, 2 / 3];
    const M: Mat = { rows: 2, cols: 3, data: Float64Array.from({ length: 6 }, (_, k) => 3 * u[Math.floor(k / 3)] * v[k % 3] + 1e-3 * Math.sin(k)) };
    expect(angleBetween(topSingularVector(M, 'left', 'M'), u, true)).toBeLessThan(1e-3);
    expect(angleBetween(topSingularVector(M, 'right', 'M'), v, true)).toBeLessThan(1e-3);
    expect(() =>
      topSingularVector(
        fromRows([
          [1, 0],
          [0, 1],
        ]),
        'left',
        'I',
      ),
    ).toThrow(/I: σ₂\/σ₁ = 1, so the top singular vector is not determined/);
    expect(() => topSingularVector({ rows: 2, cols: 2, data: new Float64Array(4) }, 'left', 'Z')).toThrow('Z is zero');
  });
});

describe('±1 labels', () => {
  it('names the first other label', () => {
    expect(() => requireSignLabels(Float64Array.from([1, -1, 0.5]), 'svm-angle')).toThrow('svm-angle: the labels must be ±1 (row 3 has 0.5)');
    expect(() => requireSignLabels(Float64Array.from([1, -1, -1]), 'svm-angle')).not.toThrow();
  });
});
