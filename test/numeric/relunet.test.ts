// Bias-free deep ReLU networks with vector outputs (src/numeric/relunet.ts) on rows [x_i, e_c]:
// gradients, the forward pass, initialization on spheres.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { mat } from '../../src/numeric/linalg.js';
import { LOSSES } from '../../src/numeric/losses.js';
import { leakyRelu } from '../../src/numeric/models.js';
import { objective } from '../../src/numeric/objective.js';
import { reluNet } from '../../src/numeric/relunet.js';
import { Rng } from '../../src/numeric/rng.js';
import { expectGradientMatchesFD, fcRuns } from '../checks.js';

/** Rows [x_i, e_c] for n random inputs of size d and k outputs, with N(0,1) targets. */
function vectorData(rng: Rng, n: number, d: number, k: number) {
  const X = mat(n * k, d + k);
  for (let i = 0; i < n; i++) {
    const x = Array.from({ length: d }, () => rng.normal());
    for (let c = 0; c < k; c++) {
      x.forEach((v, q) => (X.data[(i * k + c) * (d + k) + q] = v));
      X.data[(i * k + c) * (d + k) + d + c] = 1;
    }
  }
  return { X, y: Float64Array.from({ length: n * k }, () => rng.normal()) };
}

describe('deep ReLU networks with vector outputs', () => {
  it('have gradients that match central finite differences for any depth, width and slope (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 2, maxLength: 5 }),
        fc.constantFrom(0, 0.2, 1),
        fc.integer({ min: 0, max: 2 ** 31 - 1 }),
        (sizes, gamma, seed) => {
          const rng = new Rng(seed);
          const model = reluNet({ sizes, activation: leakyRelu(gamma, 1), init: 'gaussian', scale: 1 });
          const { X, y } = vectorData(rng, 3, sizes[0], sizes.at(-1)!);
          const obj = objective(model, LOSSES.square, X, y, 'sum');
          const theta = model.init(rng.fork('init'));
          expectGradientMatchesFD(obj, theta, 1e-5);
        },
      ),
      fcRuns(60),
    );
  });

  it('computes W_k σ(⋯ σ(W_1 x)) and picks the output coordinate of each row', () => {
    const model = reluNet({ sizes: [2, 2, 2], activation: leakyRelu(0, 0), init: 'gaussian', scale: 1 });
    const theta = Float64Array.from([1, 0, 0, -1, 2, 3, 4, 5]); // W1 = [[1, 0], [0, −1]], W2 = [[2, 3], [4, 5]]
    const X = mat(2, 4, [3, 2, 1, 0, 3, 2, 0, 1]); // x = (3, 2): σ(W1x) = (3, 0)
    const out = new Float64Array(2);
    model.forward(theta, X, out);
    expect(Array.from(out)).toEqual([6, 12]);
    const nn = model.neurons!(theta);
    expect(nn.map((q) => q.wnorm)).toEqual([1, 1]);
    expect(nn[0].v).toBeCloseTo(Math.sqrt(20), 14);
    expect(nn[1].v).toBeCloseTo(Math.sqrt(34), 14);
  });

  it('initializes on spheres (rows of hidden layers, columns of the last) and can zero the last layer', () => {
    const m = reluNet({ sizes: [2, 5, 3], activation: leakyRelu(0, 0), init: 'sphere', scale: 1e-4 });
    const L = m.layers(m.init(new Rng(1)));
    for (let r = 0; r < 5; r++) expect(Math.hypot(...L.W1.data.subarray(r * 2, r * 2 + 2))).toBeCloseTo(1e-4, 18);
    for (let c = 0; c < 5; c++) expect(Math.hypot(...[0, 1, 2].map((r) => L.W2.data[r * 5 + c]))).toBeCloseTo(1e-4, 18);
    const z = reluNet({ sizes: [2, 5, 3], activation: leakyRelu(0, 0), init: 'sphere-zero-last', scale: 1e-4 });
    expect(Array.from(z.layers(z.init(new Rng(1))).W2.data).every((x) => x === 0)).toBe(true);
  });

  it('initializes every row of every layer uniformly in the ball (the authors’ uniform_from_ball)', () => {
    const m = reluNet({ sizes: [2, 2, 2], activation: leakyRelu(0, 0), init: 'ball', scale: 1e-4 });
    const radii: number[] = [];
    for (let seed = 1; seed <= 400; seed++) {
      const L = m.layers(m.init(new Rng(seed)));
      for (const W of [L.W1, L.W2]) for (let r = 0; r < 2; r++) radii.push(Math.hypot(W.data[2 * r], W.data[2 * r + 1]) / 1e-4);
    }
    expect(Math.max(...radii)).toBeLessThanOrEqual(1);
    // uniform in the disc: Pr[radius ≤ ρ] = ρ², so the median radius is 1/√2 and a quarter lie within ½
    const sorted = radii.sort((a, b) => a - b);
    expect(sorted[Math.floor(sorted.length / 2)]).toBeCloseTo(Math.SQRT1_2, 1);
    expect(radii.filter((x) => x <= 0.5).length / radii.length).toBeCloseTo(0.25, 1);
  });

  it('backward after forward reuses its activations, and equals a fresh backward bit for bit, also when θ changed (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 3 }), fc.constantFrom(0, 0.3), fc.integer({ min: 0, max: 2 ** 31 - 1 }), (hidden, gamma, seed) => {
        const rng = new Rng(seed);
        const sizes = [3, ...Array.from({ length: hidden }, () => 3), 2];
        const model = reluNet({ sizes, activation: leakyRelu(gamma, 1), init: 'gaussian', scale: 1 });
        const { X, y } = vectorData(rng.fork('d'), 3, 3, 2);
        const theta = model.init(rng.fork('i'));
        const other = model.init(rng.fork('j'));
        theta.fill(0, 0, 3); // the first neuron's pre-activations are exactly 0: φ′(0) by the convention
        const c = Float64Array.from(y, (v, i) => (i === 1 ? 0 : v));
        const fresh = (t: Float64Array) => {
          const g = new Float64Array(model.nParams);
          reluNet({ sizes, activation: { ...leakyRelu(gamma, 1), leaky: undefined }, init: 'gaussian', scale: 1 }).backward(t, X, c, g);
          return g;
        };
        const pred = new Float64Array(X.rows);
        const g = new Float64Array(model.nParams);
        model.forward(theta, X, pred);
        model.backward(theta, X, c, g, true);
        expect(g).toEqual(fresh(theta));
        // forward at θ, then backward at another θ: nothing of θ's pass may be reused
        model.forward(theta, X, pred);
        model.backward(other, X, c, g, true);
        expect(g).toEqual(fresh(other));
      }),
      fcRuns(30),
    );
  });
});
