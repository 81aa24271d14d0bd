// The generated relu-net kernel (src/numeric/relunet-wasm.ts) and the normalized flow on it (relunet-flow.ts) against
// dynamics.ts's normalizedFlow and objective() on reluNet's own passes: the same bits for θ, losses, snapshots, what observers see, early stops and divergence.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { normalizedFlow } from '../../src/numeric/dynamics.js';
import type { Mat } from '../../src/numeric/linalg.js';
import { leakyRelu, smoothLeakyRelu } from '../../src/numeric/models.js';
import { reluNet } from '../../src/numeric/relunet.js';
import { logisticLoss, squareLoss } from '../../src/numeric/losses.js';
import { objective } from '../../src/numeric/objective.js';
import { reluNetNormalizedFlow } from '../../src/numeric/relunet-flow.js';
import { reluNetFlowKernel, reluNetFlowKernels, reluNetKernelInstancesMade, reluNetWasmObjective } from '../../src/numeric/relunet-wasm.js';
import { Rng } from '../../src/numeric/rng.js';
import { fcRuns } from '../checks.js';
import { bits, expectSameOutcome, outcome } from './sim-outcome.js';

/** Rows [x_i, e_c] with ±1 labels: n inputs, each for a random output coordinate, some input entries exactly 0. */
function rowsOf(rng: Rng, n: number, dIn: number, dOut: number): { X: Mat; y: Float64Array } {
  const cols = dIn + dOut;
  const X: Mat = { rows: n, cols, data: new Float64Array(n * cols) };
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < dIn; c++) X.data[i * cols + c] = rng.uniform() < 0.15 ? 0 : rng.normal();
    X.data[i * cols + dIn + Math.floor(rng.uniform() * dOut)] = 1;
  }
  return { X, y: Float64Array.from({ length: n }, () => (rng.uniform() < 0.5 ? -1 : 1)) };
}

const cases = fc.record({
  seed: fc.nat(),
  hidden: fc.array(fc.integer({ min: 1, max: 9 }), { minLength: 0, maxLength: 4 }),
  dIn: fc.integer({ min: 1, max: 4 }),
  dOut: fc.integer({ min: 1, max: 3 }),
  n: fc.oneof(fc.integer({ min: 1, max: 9 }), fc.integer({ min: 10, max: 32 })),
  gamma: fc.constantFrom(0, 0.1, 0.5),
  dphiAtZero: fc.constantFrom(0, 1, 0.5),
  // exact zeros in θ: z = 0 (φ′(0)) and δ = 0 (skipped terms)
  zeros: fc.boolean(),
  // a large start: the exponential weights of well-fitted rows underflow to c_i = 0, and the gradient may vanish
  scale: fc.constantFrom(0.3, 1, 30),
  unitStep: fc.boolean(),
  snapshots: fc.boolean(),
  observe: fc.boolean(),
  diverge: fc.boolean(),
  // row 0's input entries ±1.5e308: its activations overflow to ±∞ and, labelled by its prediction's sign, its c_0 = 0 (a row the passes skip, where 0·∞ would be NaN)
  huge: fc.boolean(),
});

describe.skipIf(reluNetFlowKernels !== 'wasm-simd')('relu-net normalized-flow kernel', () => {
  it('runs normalizedFlow on reluNet bit for bit (property: depths, widths, outputs, rows, zeros, c_i = 0, unit steps, observers, divergence)', () => {
    fc.assert(
      fc.property(cases, (c) => {
        const rng = new Rng(c.seed);
        const sizes = [c.dIn, ...c.hidden, c.dOut];
        const model = reluNet({ sizes, activation: leakyRelu(c.gamma, c.dphiAtZero), init: 'gaussian', scale: c.scale });
        const theta = model.init(rng.fork('init'));
        if (c.zeros) for (let i = 0; i < theta.length; i++) if (rng.uniform() < 0.2) theta[i] = rng.uniform() < 0.5 ? 0 : -0;
        const { X, y } = rowsOf(rng, c.n, c.dIn, c.dOut);
        if (c.huge) {
          for (let q = 0; q < c.dIn; q++) X.data[q] = (X.data[q] < 0 ? -1 : 1) * 1.5e308;
          const pred = new Float64Array(c.n);
          model.forward(theta, X, pred);
          y[0] = pred[0] < 0 ? -1 : 1;
        }
        const o = { steps: 60, eta: c.diverge ? 1e300 : 0.1, unitStep: c.unitStep && !c.diverge, snapshots: c.snapshots };
        const seen: string[][] = [],
          seenRef: string[][] = [];
        const a = outcome(() => reluNetNormalizedFlow(model, X, y, theta, { ...o, observe: c.observe ? (t) => seen.push(bits(t)) : undefined }));
        const b = outcome(() => normalizedFlow(model, X, y, theta, { ...o, observe: c.observe ? (t) => seenRef.push(bits(t)) : undefined }));
        expectSameOutcome(a, b);
        expect(seen).toEqual(seenRef);
      }),
      fcRuns(300),
    );
  });

  it('stops where the gradient vanishes, as normalizedFlow does (a dead ReLU net)', () => {
    const model = reluNet({ sizes: [2, 3, 1], activation: leakyRelu(0), init: 'gaussian', scale: 1 });
    const X: Mat = { rows: 2, cols: 3, data: Float64Array.of(1, 0, 1, 0.6, 0.8, 1) };
    const y = Float64Array.of(1, -1);
    // every hidden pre-activation negative on both inputs: every a and δ is 0, so is ∇L
    const theta = Float64Array.of(-1, -2, -3, -1, -0.5, -0.5, 1, 1, 1);
    const a = reluNetNormalizedFlow(model, X, y, theta, { steps: 10, eta: 0.1, unitStep: true })!;
    const b = normalizedFlow(model, X, y, theta, { steps: 10, eta: 0.1, unitStep: true });
    expect(b.steps).toBe(0);
    expectSameOutcome(a, b);
  });

  it('applies only to leaky-ReLU relu-nets with rows that select an output', () => {
    const X: Mat = { rows: 1, cols: 3, data: Float64Array.of(1, 2, 1) };
    expect(reluNetFlowKernel(reluNet({ sizes: [2, 2, 1], activation: leakyRelu(0), init: 'gaussian', scale: 1 }), X)).toBeDefined();
    expect(reluNetFlowKernel(reluNet({ sizes: [2, 2, 1], activation: smoothLeakyRelu(0.2, 2), init: 'gaussian', scale: 1 }), X)).toBeUndefined();
    expect(
      reluNetFlowKernel(reluNet({ sizes: [2, 2, 1], activation: leakyRelu(0), init: 'gaussian', scale: 1 }), { ...X, data: Float64Array.of(1, 2, 0) }),
    ).toBeUndefined();
  });

  it('gives objective()’s L, ∇L and −∇L bit for bit (property: shapes, zeros, c_i = 0, infinite entries, losses, reductions)', () => {
    fc.assert(
      fc.property(cases, fc.boolean(), fc.boolean(), fc.constantFrom('none', 'any', 'first'), (c, logistic, mean, infinite) => {
        const rng = new Rng(c.seed);
        const sizes = [c.dIn, ...c.hidden, c.dOut];
        const model = reluNet({ sizes, activation: leakyRelu(c.gamma, c.dphiAtZero), init: 'gaussian', scale: c.scale });
        const { structure: _, ...generic } = model;
        const theta = model.init(rng.fork('init'));
        if (c.zeros) for (let i = 0; i < theta.length; i++) if (rng.uniform() < 0.2) theta[i] = rng.uniform() < 0.5 ? 0 : -0;
        const { X, y } = rowsOf(rng, c.n, c.dIn, c.dOut);
        const loss = logistic ? logisticLoss : squareLoss;
        // rows fitted exactly (c_i = 0: skipped), and an infinite weight (NaN and ±∞ where the passes multiply it)
        if (c.zeros && !logistic) {
          const f = new Float64Array(c.n);
          model.forward(theta, X, f);
          for (let i = 0; i < c.n; i += 2) y[i] = f[i];
        }
        if (infinite !== 'none') theta[c.seed % (infinite === 'any' ? theta.length : c.dIn * sizes[1])] = c.seed % 2 ? Infinity : -Infinity;
        const w = mean ? 1 / c.n : 1;
        const plain = objective(generic, loss, X, y, mean ? 'mean' : 'sum');
        const g = new Float64Array(theta.length),
          g1 = new Float64Array(theta.length).fill(7),
          g2 = new Float64Array(theta.length).fill(7);
        const l = plain.valueAndGrad(theta, g);
        const l1 = reluNetWasmObjective(model, loss, X, y, w, false)!(theta, g1);
        const l2 = reluNetWasmObjective(model, loss, X, y, w, true)!(theta, g2);
        expect([l1, l2].map((v) => Object.is(v, l))).toEqual([true, true]);
        expect(bits(g1)).toEqual(bits(g));
        expect(bits(g2)).toEqual(bits(g.map((v) => -v)));
      }),
      fcRuns(300),
    );
  });

  it('shares one instance per shape among objectives, rebinding its data when another used it last (review finding: one instance per objective, never returned — SGD builds an objective per mini-batch)', () => {
    const rng = new Rng(5);
    const model = reluNet({ sizes: [3, 7, 5, 2], activation: leakyRelu(0.1), init: 'gaussian', scale: 1 });
    const { structure: _, ...generic } = model;
    const theta = model.init(rng.fork('init'));
    const batches = Array.from({ length: 40 }, () => rowsOf(rng, 6, 3, 2));
    const before = reluNetKernelInstancesMade();
    const kernels = batches.map(({ X, y }) => reluNetWasmObjective(model, logisticLoss, X, y, 1, false)!);
    expect(reluNetKernelInstancesMade() - before).toBeLessThanOrEqual(1);
    // interleaved: every call after the first rebinds the shared memory to its own rows
    for (let round = 0; round < 2; round++)
      batches.forEach(({ X, y }, b) => {
        const g = new Float64Array(theta.length),
          gk = new Float64Array(theta.length);
        const l = objective(generic, logisticLoss, X, y, 'sum').valueAndGrad(theta, g);
        expect(Object.is(kernels[b](theta, gk), l)).toBe(true);
        expect(bits(gk)).toEqual(bits(g));
      });
  });
});
