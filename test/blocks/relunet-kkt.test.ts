// The homogeneous-kkt-residual metric block (src/blocks/metrics/relunet-kkt.ts): its outputs at a
// constructed KKT point of a depth-2 ReLU net and off it, θ at T/10 (also for a run that stopped
// early), 1 where a margin is 0, and the layers it needs.
import { describe, expect, it } from 'vitest';
import { BLOCKS } from '../../src/blocks/index.js';
import type { SimState } from '../../src/blocks/types.js';
import { ModelHasNoLayerError } from '../../src/core/errors.js';
import type { Dataset } from '../../src/numeric/data.js';
import type { SimResult } from '../../src/numeric/dynamics.js';
import { mat } from '../../src/numeric/linalg.js';
import { leakyRelu, twoLayerNet } from '../../src/numeric/models.js';
import { reluNet } from '../../src/numeric/relunet.js';
import { Rng } from '../../src/numeric/rng.js';

const metric = (params: Record<string, unknown> = {}) => {
  const def = BLOCKS.metric.get('homogeneous-kkt-residual')!;
  return def.create(def.params.parse(params), { num: Number, int: Number, rng: new Rng(1), scope: {} }) as (s: SimState) => number;
};
// x₁ = e₁ (y = +1), x₂ = e₂ (y = −1), rows [x_i, 1]; W1 = I, W2 = (1, −1) is a KKT point (λ = (1, 1))
const data = { X: mat(2, 3, [1, 0, 1, 0, 1, 1]), y: Float64Array.from([1, -1]) } as Dataset;
const model = reluNet({ sizes: [2, 2, 1], activation: leakyRelu(0, 0), init: 'gaussian', scale: 1 });
const kkt = Float64Array.from([1, 0, 0, 1, 1, -1]);
const off = Float64Array.from([1, 0.5, 0, 1, 1, -1]); // w₁ leans toward x₂: not a KKT point
const dead = Float64Array.from([1, 0, -1, 0, 1, -1]); // x₂ is ignored by both neurons: margin 0
const state = (theta: Float64Array, sim?: Partial<SimResult>): SimState => ({ model, data, theta0: dead, theta, sim: sim as SimResult });

describe('homogeneous-kkt-residual', () => {
  it('is 0 at a KKT point (any scale) and positive off it, in each output', () => {
    expect(metric()(state(kkt.map((t) => 3 * t)))).toBeLessThan(1e-12);
    expect(metric({ output: 'stationarity' })(state(kkt))).toBeLessThan(1e-12);
    expect(metric()(state(off))).toBeGreaterThan(0.05);
    expect(metric({ output: 'stationarity' })(state(off))).toBeGreaterThan(0.05);
  });

  it('is 1 where a margin is not positive (no rescaling to margin 1 exists)', () => {
    expect(metric()(state(dead))).toBe(1);
    expect(metric({ output: 'slackness' })(state(dead))).toBe(1);
  });

  it('reads θ at step ⌈steps/10⌉, or the last snapshot before it when the run kept none there', () => {
    const snapshots = [
      { step: 1, theta: off },
      { step: 10, theta: kkt },
    ];
    expect(metric({ at: 'decade' })(state(dead, { steps: 100, snapshots }))).toBeLessThan(1e-12); // step 10: kkt
    expect(metric({ at: 'decade' })(state(dead, { steps: 50, snapshots }))).toBeGreaterThan(0.05); // step 5: the one at step 1
    expect(metric({ at: 'decade' })(state(kkt, { steps: 0, snapshots: [] }))).toBe(1); // no step taken: θ(0) (dead)
    expect(() => metric({ at: 'decade' })(state(kkt, { steps: 100 }))).toThrow(/snapshots: true/);
  });

  it('is a trial error for labels other than ±1 (Problem 7 is a classification margin), and checks its n·P gradient matrix against the entries limit', () => {
    expect(() => metric()({ ...state(kkt), data: { ...data, y: Float64Array.from([1, 0]) } })).toThrow(/labels ±1.*the label 0/);
    const wide = reluNet({ sizes: [2, 3000, 1], activation: leakyRelu(0, 0), init: 'gaussian', scale: 1 });
    const theta = wide.init(new Rng(2));
    const many = { X: mat(3000, 3, new Float64Array(9000).fill(1)), y: new Float64Array(3000).fill(1) } as Dataset; // 3000 × 9000 > 2·10⁷ entries
    expect(() => metric()({ model: wide, data: many, theta0: theta, theta })).toThrow(/entries|size/);
  });

  it('needs the layers W1, W2, …: a two-layer net (W, v) has none', () => {
    const two = twoLayerNet({ d: 2, width: 2, activation: leakyRelu(0), trainOutput: true, wScale: 1, vScale: 1, vInit: 'gaussian' });
    const theta = two.init(new Rng(1));
    expect(() => metric()({ model: two, data: { ...data, X: mat(2, 2, [1, 0, 0, 1]) }, theta0: theta, theta })).toThrow(ModelHasNoLayerError);
  });
});
