import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { batchedGradientDescent, batchedKernels, gradientDescentLaneKey, type GradientDescentLane } from '../../src/numeric/batched.js';
import { DivergedError, gradientDescent, type SimResult } from '../../src/numeric/dynamics.js';
import type { Mat } from '../../src/numeric/linalg.js';
import { logisticLoss, squareLoss } from '../../src/numeric/losses.js';
import { leakyRelu, smoothLeakyRelu, twoLayerNet } from '../../src/numeric/models.js';
import { objective } from '../../src/numeric/objective.js';
import { reluNet } from '../../src/numeric/relunet.js';
import { Rng } from '../../src/numeric/rng.js';
import { fcRuns } from '../checks.js';

/** Same bits: every number by Object.is (so 0 and −0, and NaN payloads aside, NaN and NaN). */
function sameBits(a: Float64Array, b: Float64Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return false;
  return true;
}

function expectSameResult(batched: SimResult, scalar: SimResult) {
  expect(sameBits(batched.theta, scalar.theta)).toBe(true);
  expect(Object.is(batched.loss, scalar.loss)).toBe(true);
  expect({ ...batched, theta: [], loss: 0, snapshots: undefined }).toEqual({ ...scalar, theta: [], loss: 0, snapshots: undefined });
  expect(batched.snapshots?.length).toBe(scalar.snapshots?.length);
  batched.snapshots?.forEach((s, i) => {
    expect(s.step).toBe(scalar.snapshots![i].step);
    expect(sameBits(s.theta, scalar.snapshots![i].theta)).toBe(true);
  });
}

/** A relu-net lane on random data: rows [x_i, e_c] (each point once per output coordinate, some rows left out). */
function reluLane(
  sizes: number[],
  points: number,
  seed: number,
  o: { reduction: 'sum' | 'mean'; logistic: boolean; steps: number; stop: boolean; diverge: boolean; smooth?: boolean },
) {
  const rng = new Rng(seed);
  const dIn = sizes[0],
    dOut = sizes.at(-1)!;
  const rows: number[][] = [],
    y: number[] = [];
  for (let p = 0; p < points; p++) {
    const x = Array.from({ length: dIn }, () => rng.normal());
    for (let c = 0; c < dOut; c++) {
      rows.push([...x, ...Array.from({ length: dOut }, (_, e) => (e === c ? 1 : 0))]);
      y.push(o.logistic ? (rng.uniform() < 0.5 ? -1 : 1) : rng.normal());
    }
  }
  const X: Mat = { rows: rows.length, cols: dIn + dOut, data: Float64Array.from(rows.flat()) };
  const gamma = rng.uniform() < 0.5 ? 0 : rng.uniform();
  const activation = o.smooth ? smoothLeakyRelu(gamma, 1 + 4 * rng.uniform()) : leakyRelu(gamma, rng.uniform() < 0.5 ? 0 : 1);
  const model = reluNet({ sizes, activation, init: 'gaussian', scale: o.diverge ? 30 : 1 });
  const theta0 = model.init(rng.fork('init'));
  // a few exact zeros: ReLU's kink, and rows whose c_i is 0
  if (rng.uniform() < 0.3) theta0[0] = 0;
  const lane: GradientDescentLane = {
    model,
    loss: o.logistic ? logisticLoss : squareLoss,
    reduction: o.reduction,
    X,
    y: Float64Array.from(y),
    theta0,
    steps: o.steps,
    eta: o.diverge ? 50 : 0.01 + 0.05 * rng.uniform(),
    stopLoss: o.stop ? 0.5 * objective(model, o.logistic ? logisticLoss : squareLoss, X, Float64Array.from(y), o.reduction).value(theta0) : undefined,
    snapshots: rng.uniform() < 0.3,
  };
  return lane;
}

/** The lane's scalar run, with every θ its observer saw. */
function scalarRun(lane: GradientDescentLane): { outcome: { result: SimResult } | { error: unknown }; seen: Float64Array[] } {
  const seen: Float64Array[] = [];
  const obj = objective(lane.model, lane.loss, lane.X, lane.y, lane.reduction);
  try {
    const result = gradientDescent(obj, lane.theta0, { ...lane, observe: (t) => seen.push(Float64Array.from(t)) });
    return { outcome: { result }, seen };
  } catch (e) {
    return { outcome: { error: e }, seen };
  }
}

/**
 * Runs the lanes batched (each with an observer when `observed`), with the WebAssembly kernels where
 * they apply and with JavaScript's only, and expects every lane's outcome, and the θs its observer saw,
 * to be its scalar run's.
 */
function expectLanesLikeScalarRuns(lanes: GradientDescentLane[], observed: boolean): { diverged: number; stoppedByLoss: number } {
  let diverged = 0,
    stoppedByLoss = 0;
  for (const wasm of [true, false]) {
    const counts = expectKernelLikeScalarRuns(lanes, observed, wasm);
    diverged += counts.diverged;
    stoppedByLoss += counts.stoppedByLoss;
  }
  return { diverged, stoppedByLoss };
}

function expectKernelLikeScalarRuns(lanes: GradientDescentLane[], observed: boolean, wasm: boolean): { diverged: number; stoppedByLoss: number } {
  let diverged = 0,
    stoppedByLoss = 0;
  const seen: Float64Array[][] = lanes.map(() => []);
  const outcomes = batchedGradientDescent(observed ? lanes.map((l, b) => ({ ...l, observe: (t) => seen[b].push(Float64Array.from(t)) })) : lanes, { wasm });
  lanes.forEach((lane, b) => {
    const scalar = scalarRun(lane);
    const got = outcomes[b];
    if ('error' in scalar.outcome) {
      expect(scalar.outcome.error).toBeInstanceOf(DivergedError);
      expect('error' in got && (got.error as Error).message).toBe((scalar.outcome.error as Error).message);
      diverged++;
    } else {
      expect('result' in got).toBe(true);
      expectSameResult((got as { result: SimResult }).result, scalar.outcome.result);
      if (scalar.outcome.result.stoppedBy === 'loss') stoppedByLoss++;
    }
    if (!observed) return;
    expect(seen[b].length).toBe(scalar.seen.length);
    seen[b].forEach((t, i) => expect(sameBits(t, scalar.seen[i])).toBe(true));
  });
  return { diverged, stoppedByLoss };
}

describe('batchedGradientDescent', () => {
  it('gives every lane the bits of its scalar run: θ, loss, steps, trajectory, snapshots, what its observer saw, and its divergence', () => {
    const shape = fc.record({
      sizes: fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 2, maxLength: 4 }),
      points: fc.integer({ min: 1, max: 3 }),
      reduction: fc.constantFrom<'sum' | 'mean'>('sum', 'mean'),
      logistic: fc.boolean(),
      // smooth: φ and φ′ called per lane; mixed: a batch of both kinds
      activation: fc.constantFrom('leaky', 'smooth', 'mixed'),
      observed: fc.boolean(),
    });
    const laneOptions = fc.record({ seed: fc.nat(), steps: fc.integer({ min: 0, max: 60 }), stop: fc.boolean(), diverge: fc.integer({ min: 0, max: 5 }) });
    let diverged = 0,
      stoppedByLoss = 0;
    fc.assert(
      fc.property(shape, fc.array(laneOptions, { minLength: 1, maxLength: 9 }), (s, lanesOptions) => {
        const lanes = lanesOptions.map((l) =>
          reluLane(s.sizes, s.points, l.seed, {
            ...s,
            steps: l.steps,
            stop: l.stop,
            diverge: l.diverge === 0,
            smooth: s.activation === 'smooth' || (s.activation === 'mixed' && l.seed % 2 === 1),
          }),
        );
        const counts = expectLanesLikeScalarRuns(lanes, s.observed);
        diverged += counts.diverged;
        stoppedByLoss += counts.stoppedByLoss;
      }),
      fcRuns(60),
    );
    // the cases the property is about did occur
    expect(diverged).toBeGreaterThan(0);
    expect(stoppedByLoss).toBeGreaterThan(0);
  });

  it('gives every lane the bits of its scalar run on nets too large for a generated kernel (more than 256 parameters)', () => {
    let diverged = 0,
      stoppedByLoss = 0;
    fc.assert(
      fc.property(
        fc.constantFrom<'sum' | 'mean'>('sum', 'mean'),
        fc.boolean(),
        fc.array(fc.record({ seed: fc.nat(), steps: fc.integer({ min: 0, max: 30 }), stop: fc.boolean(), diverge: fc.integer({ min: 0, max: 3 }) }), {
          minLength: 1,
          maxLength: 4,
        }),
        (reduction, logistic, lanesOptions) => {
          const lanes = lanesOptions.map((l) =>
            reluLane([3, 16, 16, 2], 2, l.seed, { reduction, logistic, steps: l.steps, stop: l.stop, diverge: l.diverge === 0, smooth: l.seed % 3 === 0 }),
          );
          const counts = expectLanesLikeScalarRuns(lanes, lanesOptions[0].seed % 2 === 0);
          diverged += counts.diverged;
          stoppedByLoss += counts.stoppedByLoss;
        },
      ),
      fcRuns(15),
    );
    expect(diverged).toBeGreaterThan(0);
    expect(stoppedByLoss).toBeGreaterThan(0);
  });

  it('keeps every lane its scalar bits in batches past one stride (65–140 lanes) whose running lanes are packed into smaller strides', () => {
    let packedAcross = 0;
    fc.assert(
      fc.property(fc.integer({ min: 65, max: 140 }), fc.nat(), fc.constantFrom<'sum' | 'mean'>('sum', 'mean'), (B, seed, reduction) => {
        // steps spread over 0–40, so that the batch packs its running lanes again and again (128 → 64 → … lanes)
        const lanes = Array.from({ length: B }, (_, b) =>
          reluLane([2, 3, 1], 2, seed + b, { reduction, logistic: false, steps: (seed + 7 * b) % 41, stop: b % 5 === 0, diverge: b % 17 === 3 }),
        );
        expectLanesLikeScalarRuns(lanes, seed % 2 === 0);
        packedAcross++;
      }),
      fcRuns(8),
    );
    expect(packedAcross).toBeGreaterThan(0);
  });

  it('runs the Timor et al. experiment shape (width-2 depth-2, 3000 steps) bit-identically for 8 lanes', () => {
    const lanes = Array.from({ length: 8 }, (_, b) => ({
      ...reluLane([2, 2, 2], 2, 100 + b, { reduction: 'sum', logistic: false, steps: 3000, stop: false, diverge: false }),
      eta: 0.05,
    }));
    const outcomes = batchedGradientDescent(lanes);
    lanes.forEach((lane, b) => expectSameResult((outcomes[b] as { result: SimResult }).result, (scalarRun(lane).outcome as { result: SimResult }).result));
  });

  it('runs WebAssembly SIMD kernels here (unless CLAIMCHECK_KERNELS=js)', () => {
    expect(batchedKernels).toBe(process.env.CLAIMCHECK_KERNELS === 'js' ? 'js' : 'wasm-simd');
  });

  it('runs the odd lane of an odd-width batch on its own WebAssembly module (leaky ReLU, square loss), one pair of modules for every batch up to a stride of 64, and every lane keeps its scalar bits', () => {
    if (batchedKernels !== 'wasm-simd') return;
    // each generated instance's step, counted by its `pairs` argument (the tail's: the index of its lane)
    const calls: Map<number, number>[] = [];
    const Instance = WebAssembly.Instance;
    class CountingInstance extends Instance {
      override get exports(): WebAssembly.Exports {
        const exports = super.exports,
          step = exports.step as (...a: number[]) => number,
          counts = new Map<number, number>();
        calls.push(counts);
        return { ...exports, step: (...a: number[]) => (counts.set(a[4], (counts.get(a[4]) ?? 0) + 1), step(...a)) };
      }
    }
    WebAssembly.Instance = CountingInstance;
    try {
      for (const B of [3, 5, 7, 64]) {
        // a shape of this test only, so both of its modules are built here, by the first batch: the pairs' and the tail's
        const lanes = Array.from({ length: B }, (_, b) =>
          reluLane([2, 5, 1], 3, 1000 * B + b, { reduction: 'sum', logistic: false, steps: 40, stop: false, diverge: false }),
        );
        expectKernelLikeScalarRuns(lanes, true, true);
      }
      expect(calls.length).toBe(2);
      const [pairs, tail] = calls;
      expect([...pairs.keys()]).toEqual([1, 2, 3, 32]);
      expect([...tail.keys()]).toEqual([2, 4, 6]);
      for (const B of [3, 5, 7]) {
        expect(tail.get(B - 1)).toBe(pairs.get(B >> 1));
        expect(tail.get(B - 1)).toBeGreaterThan(40);
      }
      // a batch past the stride builds the next one's
      expectKernelLikeScalarRuns(
        Array.from({ length: 65 }, (_, b) => reluLane([2, 5, 1], 3, 5000 + b, { reduction: 'sum', logistic: false, steps: 40, stop: false, diverge: false })),
        true,
        true,
      );
      expect(calls.length).toBe(4);
    } finally {
      WebAssembly.Instance = Instance;
    }
  });

  it('a batch run from an observer of a running batch leaves both batches their scalar results', () => {
    const outer = [0, 1, 2].map((b) => reluLane([2, 2, 2], 2, 10 + b, { reduction: 'sum', logistic: false, steps: 25, stop: false, diverge: false }));
    const inner = [0, 1, 2].map((b) => reluLane([2, 3, 2], 2, 20 + b, { reduction: 'sum', logistic: false, steps: 15, stop: false, diverge: false }));
    const innerOutcomes: ReturnType<typeof batchedGradientDescent>[] = [];
    const outcomes = batchedGradientDescent([{ ...outer[0], observe: () => void innerOutcomes.push(batchedGradientDescent(inner)) }, ...outer.slice(1)]);
    outer.forEach((lane, b) => expectSameResult((outcomes[b] as { result: SimResult }).result, (scalarRun(lane).outcome as { result: SimResult }).result));
    expect(innerOutcomes.length).toBe(26);
    for (const o of innerOutcomes)
      inner.forEach((lane, b) => expectSameResult((o[b] as { result: SimResult }).result, (scalarRun(lane).outcome as { result: SimResult }).result));
  });

  it('an observer that throws ends its own lane with that error, and the other lanes go on', () => {
    const lanes = [0, 1].map((b) => reluLane([2, 3, 1], 2, b, { reduction: 'sum', logistic: false, steps: 20, stop: false, diverge: false }));
    const boom = new Error('boom');
    let calls = 0;
    const throwAtSixthCall = () => {
      if (++calls === 6) throw boom;
    };
    const outcomes = batchedGradientDescent([{ ...lanes[0], observe: throwAtSixthCall }, lanes[1]]);
    expect(outcomes[0]).toEqual({ error: boom });
    expectSameResult((outcomes[1] as { result: SimResult }).result, (scalarRun(lanes[1]).outcome as { result: SimResult }).result);
  });

  it('keys lanes by shape, and has no key for a model without a batched kernel', () => {
    const a = reluLane([2, 2, 2], 2, 1, { reduction: 'sum', logistic: false, steps: 1, stop: false, diverge: false });
    const b = reluLane([2, 3, 2], 2, 1, { reduction: 'sum', logistic: false, steps: 1, stop: false, diverge: false });
    expect(gradientDescentLaneKey(a)).toBeDefined();
    expect(gradientDescentLaneKey(a)).not.toBe(gradientDescentLaneKey(b));
    expect(() => batchedGradientDescent([a, b])).toThrow(/different shapes/);
    const two = twoLayerNet({ d: 2, width: 2, activation: leakyRelu(0), trainOutput: true, wScale: 1, vScale: 1, vInit: 'gaussian' });
    expect(gradientDescentLaneKey({ ...a, model: two })).toBeUndefined();
  });
});
