// A single neuron (src/numeric/neuron.ts): the active set and the linear-regime point (Vardi & Shamir
// note §3, C5). (Tracking the active set along a path: test/blocks/metrics.test.ts.)
import { describe, expect, it } from 'vitest';
import { fromRows } from '../../src/numeric/linalg.js';
import { activeSet, linearRegimePoint } from '../../src/numeric/neuron.js';

describe('the linear-regime point of a single neuron (C5)', () => {
  it('is the projection of w(0) onto the active equations, and the active set has the right slopes', () => {
    const X = fromRows([
      [1, 0, 0],
      [0, 1, 0],
      [0, 0, -1],
    ]);
    const w0 = Float64Array.from([0.5, -0.2, 0.3]);
    expect(activeSet(X, w0, 0)).toEqual([{ i: 0, slope: 1 }]);
    expect(activeSet(X, w0, 0.1)).toEqual([
      { i: 0, slope: 1 },
      { i: 1, slope: 0.1 },
      { i: 2, slope: 0.1 },
    ]);
    const w = linearRegimePoint(X, [2, 0, 0], activeSet(X, w0, 0), 1, w0)!;
    expect(Array.from(w)).toEqual([2, -0.2, 0.3]);
    // dependent active rows: no unique point
    expect(
      linearRegimePoint(
        fromRows([
          [1, 1],
          [2, 2],
        ]),
        [1, 2],
        [
          { i: 0, slope: 1 },
          { i: 1, slope: 1 },
        ],
        1,
        Float64Array.from([1, 1]),
      ),
    ).toBeUndefined();
  });
});
