// The generated two-layer kernel (src/numeric/two-layer-kernel.ts) against twoLayerNet's own passes and
// dynamics.ts's normalizedFlow and gradientDescent: equal bit for bit, errors included.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { gradientDescent, normalizedFlow } from '../../src/numeric/dynamics.js';
import { inGramCoordinates } from '../../src/numeric/gram.js';
import type { Mat } from '../../src/numeric/linalg.js';
import { exponentialLoss, logisticLoss, squareLoss } from '../../src/numeric/losses.js';
import { leakyRelu, smoothLeakyRelu, twoLayerNet, type Model } from '../../src/numeric/models.js';
import { objective } from '../../src/numeric/objective.js';
import { Rng } from '../../src/numeric/rng.js';
import { twoLayerGradientDescent, twoLayerKernel, twoLayerKernels, twoLayerNormalizedFlow } from '../../src/numeric/two-layer-kernel.js';
import { fcRuns } from '../checks.js';
import { bits, expectSameOutcome, expectSameResult, outcome } from './sim-outcome.js';

interface Case {
  model: Model;
  X: Mat;
  y: Float64Array;
  theta: Float64Array;
}

/** A random two-layer net, and data with exact zeros: X lower-triangular (exact-Gram data) or diagonal (orthogonal data), with a zero row; a zero weight row (z = 0: φ′(0)). */
function randomCase(
  n: number,
  r: number,
  m: number,
  seed: number,
  o: { trainOutput: boolean; bias: boolean; gamma: number; zeros: 'none' | 'lower' | 'diagonal'; scale?: number },
): Case {
  const rng = new Rng(seed);
  const model = twoLayerNet({
    d: r,
    width: m,
    activation: leakyRelu(o.gamma, [0, 1, 0.5][seed % 3]),
    trainOutput: o.trainOutput,
    wScale: o.scale ?? 1,
    vScale: 1,
    vInit: 'gaussian',
    hiddenBias: o.bias,
    bScale: 0.5,
  });
  const theta = model.init(rng.fork('init'));
  const A = Float64Array.from({ length: n * r }, () => rng.normal());
  if (o.zeros !== 'none') {
    for (let i = 0; i < n; i++) for (let k = 0; k < r; k++) if (k > i || (o.zeros === 'diagonal' && k !== i)) A[i * r + k] = 0;
    if (n > 2) A.fill(0, 2 * r, 3 * r);
    if (m > 1) theta.fill(0, r, 2 * r);
  }
  const y = Float64Array.from({ length: n }, (_, i) => (i % 2 ? -1 : 1));
  return { model, X: { rows: n, cols: r, data: A }, y, theta };
}

const shapes = fc.record({
  n: fc.integer({ min: 1, max: 9 }),
  r: fc.integer({ min: 1, max: 9 }),
  m: fc.integer({ min: 1, max: 11 }),
  trainOutput: fc.boolean(),
  bias: fc.boolean(),
  gamma: fc.constantFrom(0, 0.3, 1),
  zeros: fc.constantFrom('none' as const, 'lower' as const, 'diagonal' as const),
  seed: fc.integer({ min: 0, max: 1e6 }),
});

describe.skipIf(twoLayerKernels !== 'wasm-simd')('generated two-layer kernel', () => {
  it('forward and backward give twoLayerNet’s predictions and gradient bit for bit (property: shapes, bias, trained v, zeros, c_i = 0)', () => {
    fc.assert(
      fc.property(shapes, ({ n, r, m, seed, ...o }) => {
        const { model, X, theta } = randomCase(n, r, m, seed, o);
        const rng = new Rng(seed + 1);
        const c = Float64Array.from({ length: n }, (_, i) => (i === 1 ? 0 : rng.normal()));
        // row 1 (c_1 = 0) near overflow: z_1j = ±∞ for some j, where ∂/∂v must skip the row (0·∞)
        if (n > 1 && seed % 2) for (let k = 0; k < r; k++) X.data[r + k] = (rng.normal() < 0 ? -1 : 1) * 1.5e308;
        // a non-finite c_0: g_0j·0 is NaN, so no zero term of ∂/∂W may be skipped
        if (seed % 5 === 0) c[0] = seed % 10 ? Infinity : NaN;
        const K = twoLayerKernel(model, X)!;
        K.theta.set(theta);
        K.forward();
        K.c.set(c);
        K.backward();
        const out = new Float64Array(n),
          grad = new Float64Array(model.nParams);
        model.forward(theta, X, out);
        model.backward(theta, X, c, grad);
        expect(bits(K.pred)).toEqual(bits(out));
        expect(bits(K.grad)).toEqual(bits(grad));
        // a step each way, then θ's finiteness
        const up = Float64Array.from(theta, (t, i) => t + 0.1 * grad[i]),
          down = Float64Array.from(up, (t, i) => t - 0.1 * grad[i]);
        const finite = (t: Float64Array) => (t.every(Number.isFinite) ? 1 : 0);
        expect(K.ascend(0.1)).toBe(finite(up));
        expect(bits(K.theta)).toEqual(bits(up));
        expect(K.descend(0.1)).toBe(finite(down));
        expect(bits(K.theta)).toEqual(bits(down));
        // a non-finite entry, last or first (the scalar tail of an odd count, or the vector part)
        K.theta.set(theta);
        K.grad.fill(0);
        expect(K.descend(0)).toBe(1);
        K.theta[seed % 2 ? K.theta.length - 1 : 0] = seed % 3 ? Infinity : NaN;
        expect(K.descend(0)).toBe(0);
      }),
      fcRuns(200),
    );
  });

  it('normalizedFlow on the kernel equals normalizedFlow (property: snapshots, divergence)', () => {
    fc.assert(
      fc.property(shapes, fc.boolean(), fc.boolean(), ({ n, r, m, seed, ...o }, snapshots, diverge) => {
        const { model, X, y, theta } = randomCase(n, r, m, seed, { ...o, scale: diverge ? 30 : 1 });
        const opts = { steps: 40, eta: diverge ? 1e150 : 0.05, snapshots };
        const seen: number[][] = [],
          seenRef: number[][] = [];
        const a = outcome(() => twoLayerNormalizedFlow(model, X, y, theta, { ...opts, observe: (t) => seen.push(Array.from(t)) }));
        const b = outcome(() => normalizedFlow(model, X, y, theta, { ...opts, observe: (t) => seenRef.push(Array.from(t)) }));
        expectSameOutcome(a, b);
        expect(seen.map(bits)).toEqual(seenRef.map(bits));
      }),
      fcRuns(60),
    );
  });

  it('runs of many steps in the kernel (no observer) equal normalizedFlow: the recorder’s thinned points, snapshots, divergence at any step', () => {
    fc.assert(
      fc.property(
        shapes,
        fc.integer({ min: 0, max: 400 }),
        fc.boolean(),
        fc.option(fc.double({ min: 300, max: 308, noNaN: true }), { nil: undefined }),
        ({ n, r, m, seed, ...o }, steps, snapshots, overflow) => {
          const { model, X, y, theta } = randomCase(n, r, m, seed, o);
          // η = 10^300 … 10^308: θ overflows after a few to a few hundred steps
          const opts = { steps, eta: overflow === undefined ? 0.05 : 10 ** overflow, snapshots };
          expectSameOutcome(
            outcome(() => twoLayerNormalizedFlow(model, X, y, theta, opts)),
            outcome(() => normalizedFlow(model, X, y, theta, opts)),
          );
        },
      ),
      fcRuns(80),
    );
  });

  it('gradientDescent on the kernel equals gradientDescent on objective() (property: losses, reductions, stop loss, divergence)', () => {
    fc.assert(
      fc.property(
        shapes,
        fc.constantFrom(squareLoss, logisticLoss, exponentialLoss),
        fc.constantFrom('sum' as const, 'mean' as const),
        fc.boolean(),
        fc.boolean(),
        ({ n, r, m, seed, ...o }, loss, reduction, stop, diverge) => {
          const { model, X, y, theta } = randomCase(n, r, m, seed, o);
          const opts = { steps: 30, eta: diverge ? 1e6 : 0.02, stopLoss: stop ? 0.5 : undefined, snapshots: true };
          const a = outcome(() => twoLayerGradientDescent(model, loss, X, y, reduction, theta, opts));
          const b = outcome(() => gradientDescent(objective(model, loss, X, y, reduction), theta, opts));
          expectSameOutcome(a, b);
        },
      ),
      fcRuns(60),
    );
  });

  it('runs Frei et al.’s shapes in Gram coordinates as inGramCoordinates does (d = 300, n = 20, m = 50; n = 16, m = 40 exact Gram)', () => {
    const rng = new Rng(7);
    const n = 20,
      d = 300,
      m = 50;
    const X: Mat = { rows: n, cols: d, data: Float64Array.from({ length: n * d }, () => rng.normal()) };
    const y = Float64Array.from({ length: n }, (_, i) => (i < n / 2 ? 1 : -1));
    const net = (r: number) =>
      twoLayerNet({ d: r, width: m, activation: leakyRelu(0.3), trainOutput: false, wScale: 1e-3, vScale: 1 / Math.sqrt(m), vInit: 'sign' });
    const model = inGramCoordinates(net, X, m, 1e-3);
    const theta = model.init(rng.fork('init'));
    expectSameResult(
      twoLayerNormalizedFlow(model, X, y, theta, { steps: 300, eta: 0.01, snapshots: true })!,
      normalizedFlow(model, X, y, theta, { steps: 300, eta: 0.01, snapshots: true }),
    );
    expectSameResult(
      twoLayerGradientDescent(model, logisticLoss, X, y, 'mean', theta, { steps: 100, eta: 0.5 })!,
      gradientDescent(objective(model, logisticLoss, X, y, 'mean'), theta, { steps: 100, eta: 0.5 }),
    );
    // a lower-triangular X (exact-Gram data), where whole blocks of terms are zeros
    const { model: tri, X: Xt, y: yt, theta: t0 } = randomCase(16, 16, 40, 3, { trainOutput: false, bias: false, gamma: 0.3, zeros: 'lower', scale: 1e-3 });
    expectSameResult(twoLayerNormalizedFlow(tri, Xt, yt, t0, { steps: 500, eta: 0.01 })!, normalizedFlow(tri, Xt, yt, t0, { steps: 500, eta: 0.01 }));
  });

  it('declines what it does not cover: another activation, unit steps, foreign data of a Gram-coordinate model', () => {
    const { X, y, theta } = randomCase(4, 3, 2, 1, { trainOutput: false, bias: false, gamma: 0.3, zeros: 'none' });
    const smooth = twoLayerNet({ d: 3, width: 2, activation: smoothLeakyRelu(0.3, 2), trainOutput: false, wScale: 1, vScale: 1, vInit: 'sign' });
    expect(twoLayerKernel(smooth, X)).toBeUndefined();
    const leaky = twoLayerNet({ d: 3, width: 2, activation: leakyRelu(0.3), trainOutput: false, wScale: 1, vScale: 1, vInit: 'sign' });
    expect(twoLayerNormalizedFlow(leaky, X, y, theta, { steps: 3, eta: 0.1, unitStep: true })).toBeUndefined();
    const gram = inGramCoordinates(
      (r) => twoLayerNet({ d: r, width: 2, activation: leakyRelu(0.3), trainOutput: false, wScale: 1, vScale: 1, vInit: 'sign' }),
      X,
      2,
      1,
    );
    expect(twoLayerKernel(gram, { ...X, data: X.data.slice() })).toBeUndefined();
  });
});
