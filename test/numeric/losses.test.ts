// The losses of src/numeric/losses.ts: stable for large margins, derivatives against central differences.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LOSSES, logisticLoss, logisticNegDerivative, logisticOfMargin } from '../../src/numeric/losses.js';
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
});
