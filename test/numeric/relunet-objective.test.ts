// The generated deep ReLU-net kernels (reluNetObjectiveKernel, src/numeric/relunet-objective.ts) against objective.ts's
// generic passes through reluNet's forward and backward: the same bits, for L, ∇L, −∇L and whole gradient flows.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Mat } from '../../src/numeric/linalg.js';
import { logisticLoss, squareLoss } from '../../src/numeric/losses.js';
import { leakyRelu, smoothLeakyRelu, type Model } from '../../src/numeric/models.js';
import { objective } from '../../src/numeric/objective.js';
import { reluNet } from '../../src/numeric/relunet.js';
import {
  RELU_NET_KERNEL_MAX,
  RELU_NET_KERNEL_SOURCE_MAX,
  RELU_NET_KERNELS_KEPT,
  reluNetKernelKey,
  reluNetKernelsKept,
  reluNetObjectiveKernel,
} from '../../src/numeric/relunet-objective.js';
import { reluNetFlowKernels, reluNetKernelInstancesMade } from '../../src/numeric/relunet-wasm.js';
import { Rng } from '../../src/numeric/rng.js';
import { fcRuns } from '../checks.js';
import { expectKernelMatchesGeneric, expectSameGradientFlow } from './objective-kernel-checks.js';

/** The same net without its structure (Model.structure): objective() then runs the generic forward and backward passes. */
function unmarked(model: Model): Model {
  const { structure, ...rest } = model;
  expect(structure?.kind).toBe('relu-net');
  return rest;
}

/** Rows [x_i, e_c]: n inputs, each for one output coordinate c (every coordinate of a point, or a random one). */
function rowsOf(rng: Rng, n: number, dIn: number, dOut: number): { X: Mat; y: Float64Array } {
  const cols = dIn + dOut;
  const X: Mat = { rows: n, cols, data: new Float64Array(n * cols) };
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < dIn; c++) X.data[i * cols + c] = rng.uniform() < 0.15 ? 0 : rng.normal();
    X.data[i * cols + dIn + (rng.uniform() < 0.5 ? i % dOut : Math.floor(rng.uniform() * dOut))] = 1;
  }
  return { X, y: Float64Array.from({ length: n }, () => rng.normal()) };
}

describe('relu-net objective kernel', () => {
  it('gives L, ∇L and −∇L bit for bit as the generic passes, for every depth, shape, activation, loss and reduction', () => {
    let ran = 0;
    fc.assert(
      fc.property(
        fc.record({
          seed: fc.nat(),
          hidden: fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 0, maxLength: 3 }),
          dIn: fc.integer({ min: 1, max: 3 }),
          dOut: fc.integer({ min: 1, max: 3 }),
          n: fc.integer({ min: 1, max: 8 }),
          act: fc.constantFrom<'relu' | 'leaky' | 'smooth'>('relu', 'leaky', 'smooth'),
          // exact zeros in θ (−0 among them) and rows fitted exactly (c_i = 0: skipped)
          zeros: fc.boolean(),
          // one entry of θ infinite, anywhere or in W_1 (every later layer then sees ±∞ or NaN): NaN and ±∞ where the passes multiply it
          infinite: fc.constantFrom<'none' | 'any' | 'first'>('none', 'any', 'first'),
          logistic: fc.boolean(),
          mean: fc.boolean(),
        }),
        (c) => {
          const rng = new Rng(c.seed);
          const activation = c.act === 'smooth' ? smoothLeakyRelu(0.2, 2) : leakyRelu(c.act === 'relu' ? 0 : rng.uniform(), rng.uniform() < 0.5 ? 0 : 1);
          const model = reluNet({ sizes: [c.dIn, ...c.hidden, c.dOut], activation, init: 'gaussian', scale: 1 });
          const { X, y } = rowsOf(rng, c.n, c.dIn, c.dOut);
          const theta = model.init(rng.fork('init'));
          if (c.zeros) {
            for (let q = 0; q < theta.length; q++) if (rng.uniform() < 0.3) theta[q] = rng.uniform() < 0.5 ? 0 : -0;
            const f = new Float64Array(c.n);
            model.forward(theta, X, f);
            for (let i = 0; i < c.n; i += 2) y[i] = f[i];
          }
          if (c.infinite !== 'none')
            theta[c.seed % (c.infinite === 'any' ? theta.length : c.dIn * (c.hidden[0] ?? c.dOut))] = c.seed % 2 ? Infinity : -Infinity;
          expectKernelMatchesGeneric(model, unmarked(model), c.logistic ? logisticLoss : squareLoss, X, y, c.mean ? 'mean' : 'sum', theta);
          ran++;
        },
      ),
      fcRuns(400),
    );
    expect(ran).toBe(400);
  });

  it('runs gradient flow to the same bits: θ, loss, steps, trajectory and every accepted step (Timor et al. C2 and C6 shapes)', () => {
    for (const [seed, sizes, n, time] of [
      [1, [3, 4, 4, 2], 8, 0.5],
      [2, [3, 5, 5, 5, 2], 8, 0.1],
      [3, [2, 10, 2], 4, 5],
    ] as const) {
      const rng = new Rng(seed);
      const model = reluNet({ sizes: [...sizes], activation: leakyRelu(0, 0), init: 'gaussian', scale: 1 });
      const { X, y } = rowsOf(rng, n, sizes[0], sizes.at(-1)!);
      const theta = model.init(rng);
      const accepted = expectSameGradientFlow(model, unmarked(model), squareLoss, X, y, 'sum', theta, { time, rtol: 1e-8, atol: 1e-12, maxSteps: 600 });
      expect(accepted).toBeGreaterThan(10);
    }
  });

  it('leaves shapes above its size, and rows that select no output, to the generic passes', () => {
    const model = reluNet({ sizes: [3, 8, 8, 2], activation: leakyRelu(0, 0), init: 'gaussian', scale: 1 });
    const rng = new Rng(4);
    expect(reluNetObjectiveKernel(model, squareLoss, rowsOf(rng, 4, 3, 2).X, new Float64Array(4), 1, false)).toBeDefined();
    const many = rowsOf(rng, 40, 3, 2);
    expect(40 * model.nParams).toBeGreaterThan(RELU_NET_KERNEL_MAX);
    expect(reluNetObjectiveKernel(model, squareLoss, many.X, many.y, 1, false)).toBeUndefined();
    const none: Mat = { rows: 1, cols: 5, data: new Float64Array(5) };
    expect(reluNetObjectiveKernel(model, squareLoss, none, new Float64Array(1), 1, false)).toBeUndefined();
  });

  it('hands shapes whose source V8 would not optimize (over RELU_NET_KERNEL_SOURCE_MAX) to the WebAssembly kernel, else to the generic passes', () => {
    // width 14, depth 3 on 4 rows (lyu2020.thm44-logistic-kkt): 952 products, under RELU_NET_KERNEL_MAX, a source of ~85 000 characters
    const leaky = reluNet({ sizes: [2, 14, 14, 1], activation: leakyRelu(0, 0), init: 'gaussian', scale: 1 });
    const smooth = reluNet({ sizes: [2, 14, 14, 1], activation: smoothLeakyRelu(0.2, 2), init: 'gaussian', scale: 1 });
    const rng = new Rng(5);
    const { X, y } = rowsOf(rng, 4, 2, 1);
    expect(4 * leaky.nParams).toBeLessThanOrEqual(RELU_NET_KERNEL_MAX);
    expect(reluNetObjectiveKernel(smooth, logisticLoss, X, y, 1, false)).toBeUndefined();
    expect(reluNetObjectiveKernel(smooth, logisticLoss, X, y, 1, false)).toBeUndefined(); // the verdict cached
    expect(objective(smooth, logisticLoss, X, y, 'sum').negativeGradient).toBeUndefined(); // the generic passes
    if (reluNetFlowKernels === 'wasm-simd') expectKernelMatchesGeneric(leaky, unmarked(leaky), logisticLoss, X, y, 'sum', leaky.init(rng));
    expect(RELU_NET_KERNEL_SOURCE_MAX).toBeLessThan(60000);
  });

  it('routes objective() of a large leaky-ReLU net under the square loss with reduction mean (rows × parameters over RELU_NET_KERNEL_MAX) to the WebAssembly kernel, the same bits', () => {
    if (reluNetFlowKernels !== 'wasm-simd') return;
    // a shape of this test only: its kernel instance is made here
    const model = reluNet({ sizes: [3, 11, 13, 2], activation: leakyRelu(0.1, 1), init: 'gaussian', scale: 1 });
    for (const [seed, n] of [
      [6, 17],
      [7, 32],
    ]) {
      const rng = new Rng(seed);
      const { X, y } = rowsOf(rng, n, 3, 2);
      expect(n * model.nParams).toBeGreaterThan(RELU_NET_KERNEL_MAX);
      const theta = model.init(rng.fork('init'));
      theta[5] = 0;
      theta[40] = -0;
      const made = reluNetKernelInstancesMade();
      expectKernelMatchesGeneric(model, unmarked(model), squareLoss, X, y, 'mean', theta);
      expect(reluNetKernelInstancesMade()).toBe(made + 1);
    }
  });
});

describe('relu-net objective kernel cache', () => {
  const sizes = [1, 2, 12];
  const model = reluNet({ sizes, activation: leakyRelu(0), init: 'gaussian', scale: 1 });
  /** Rows [x_i, e_{c_i}] of the net [1, 2, 12]. */
  const rowsSelecting = (sel: number[]): Mat => {
    const X: Mat = { rows: sel.length, cols: 13, data: new Float64Array(13 * sel.length) };
    sel.forEach((c, i) => ((X.data[i * 13] = i + 1), (X.data[i * 13 + 1 + c] = 1)));
    return X;
  };

  it('gives rows selecting outputs [1, 11], then [11, 1], then [1, 1, 1] each its own kernel (one key "111" gave L = 0.969 for 0.00175)', () => {
    const theta = model.init(new Rng(1));
    for (const sel of [
      [1, 11],
      [11, 1],
      [1, 1, 1],
      [11, 1],
    ]) {
      const y = Float64Array.from(sel, (_, i) => (i % 2 ? -0.7 : 0.3));
      expectKernelMatchesGeneric(model, unmarked(model), squareLoss, rowsSelecting(sel), y, 'sum', theta);
    }
  });

  it('never shares a kernel between two shapes or selections: distinct inputs, distinct keys; every kernel met in turn matches the generic passes', () => {
    const input = fc.record({
      sizes: fc.array(fc.integer({ min: 1, max: 13 }), { minLength: 2, maxLength: 4 }),
      cols: fc.integer({ min: 2, max: 30 }),
      sel: fc.array(fc.integer({ min: 0, max: 12 }), { minLength: 1, maxLength: 5 }),
      leaky: fc.boolean(),
      square: fc.boolean(),
      negate: fc.boolean(),
    });
    const key = (c: { sizes: number[]; cols: number; sel: number[]; leaky: boolean; square: boolean; negate: boolean }) =>
      reluNetKernelKey(c.sizes, c.cols, c.sel, c.leaky, c.square, c.negate);
    fc.assert(
      fc.property(input, input, (a, b) => JSON.stringify(a) === JSON.stringify(b) || key(a) !== key(b)),
      fcRuns(2000),
    );
    // the same net and parameters on a sequence of data sets: each objective's L and ∇L are its own data's
    const theta = model.init(new Rng(2));
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 11 }), { minLength: 1, maxLength: 4 }), (sel) => {
        const y = Float64Array.from(sel, (c) => c / 10 - 0.5);
        expectKernelMatchesGeneric(model, unmarked(model), squareLoss, rowsSelecting(sel), y, 'sum', theta);
      }),
      fcRuns(300),
    );
  });

  it('keeps at most RELU_NET_KERNELS_KEPT kernels, the least recently used dropped first', () => {
    const theta = model.init(new Rng(3));
    const sels = Array.from({ length: RELU_NET_KERNELS_KEPT + 20 }, (_, q) => [q % 12, Math.floor(q / 12) % 12, Math.floor(q / 144) % 12]);
    for (const sel of sels) {
      const X = rowsSelecting(sel);
      expect(reluNetObjectiveKernel(model, squareLoss, X, new Float64Array(3), 1, false)).toBeDefined();
      expect(reluNetKernelsKept()).toBeLessThanOrEqual(RELU_NET_KERNELS_KEPT);
    }
    expect(reluNetKernelsKept()).toBe(RELU_NET_KERNELS_KEPT);
    // the first selections were dropped, and still give their own data's values when met again
    expectKernelMatchesGeneric(model, unmarked(model), squareLoss, rowsSelecting(sels[0]), Float64Array.from([0.1, 0.2, 0.3]), 'sum', theta);
  });
});
