// The losses of src/numeric/losses.ts: stable for large margins, derivatives against central differences.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LOSSES, exponentialLoss, logisticLoss, logisticNegDerivative, logisticOfMargin, lossSumAndWeights } from '../../src/numeric/losses.js';
import { fcRuns } from '../checks.js';

describe('losses', () => {
  it('are stable for large margins', () => {
    expect(logisticOfMargin(1000)).toBe(0);
    expect(logisticOfMargin(-1000)).toBe(1000);
    expect(logisticOfMargin(40)).toBeCloseTo(Math.exp(-40), 30);
    expect(logisticNegDerivative(40)).toBeGreaterThan(0); // 1+e^{-40} would round to 1 in float32, not here
    expect(logisticNegDerivative(40) / Math.exp(-40)).toBeCloseTo(1, 12);
    expect(logisticNegDerivative(-1000)).toBe(1);
    expect(logisticLoss.derivative(1e3, 1)).toBeLessThanOrEqual(0);
    for (const l of Object.values(LOSSES)) for (const p of [-50, -1, 0, 2, 50]) expect(Number.isFinite(l.derivative(p, 1))).toBe(true);
  });

  it('have derivatives that match central differences (property)', () => {
    fc.assert(
      fc.property(fc.constantFrom(...Object.keys(LOSSES)), fc.double({ min: -20, max: 20, noNaN: true }), fc.constantFrom(-1, 1), (name, p, y) => {
        const l = LOSSES[name];
        const h = 1e-5;
        const fd = (l.value(p + h, y) - l.value(p - h, y)) / (2 * h);
        expect(Math.abs(fd - l.derivative(p, y))).toBeLessThan(1e-6 * (1 + Math.abs(fd)));
      }),
      fcRuns(300),
    );
  });

  it('lossSumAndWeights gives the per-row ℓ and w·ℓ′ bit for bit (property: margins around 0, ±0, huge, non-finite)', () => {
    const bits = (a: ArrayLike<number>) => Array.from(a, (x) => (Number.isNaN(x) ? 'NaN' : Object.is(x, -0) ? '-0' : x.toString()));
    const prediction = fc.oneof(
      fc.double({ min: -50, max: 50 }),
      fc.constantFrom(0, -0, 1e-300, -1e-300, 745, -745, 800, -800, 1e308, -1e308, Infinity, -Infinity, NaN),
    );
    fc.assert(
      fc.property(
        fc.constantFrom(logisticLoss, exponentialLoss),
        fc.array(fc.tuple(prediction, fc.constantFrom(-1, 1, 0, -0, 0.3, -1.7)), { minLength: 1, maxLength: 12 }),
        fc.constantFrom(1, 0.25, 1 / 3),
        (loss, rows, w) => {
          const pred = rows.map((r) => r[0]),
            y = rows.map((r) => r[1]),
            n = rows.length;
          // the same loss as another object: the pass through loss.value and loss.derivative
          const plain = { ...loss };
          const c1 = new Float64Array(n),
            c2 = new Float64Array(n);
          const s1 = lossSumAndWeights(loss, pred, y, n, w, c1),
            s2 = lossSumAndWeights(plain, pred, y, n, w, c2);
          expect(bits([s1, ...c1])).toEqual(bits([s2, ...c2]));
        },
      ),
      fcRuns(400),
    );
  });
});
