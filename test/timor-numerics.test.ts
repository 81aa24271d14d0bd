// Numerics added for Timor, Vardi & Shamir: bias-free deep ReLU networks with vector outputs on
// explicit-vector data (rows [x_i, e_c]).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadClaimText } from '../src/claims/load.js';
import { mat } from '../src/numeric/linalg.js';
import { LOSSES } from '../src/numeric/losses.js';
import { leakyRelu } from '../src/numeric/models.js';
import { objective } from '../src/numeric/objective.js';
import { reluNet } from '../src/numeric/relunet.js';
import { Rng } from '../src/numeric/rng.js';
import { runTrial } from '../src/search/trial.js';
import { BLOCKS } from '../src/blocks/index.js';
import type { SimState } from '../src/blocks/types.js';
import { normalizedFlow } from '../src/numeric/dynamics.js';
import { expectGradientMatchesFD, fcRuns } from './helpers.js';

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
      fc.property(fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 2, maxLength: 5 }), fc.constantFrom(0, 0.2, 1), fc.integer({ min: 0, max: 2 ** 31 - 1 }), (sizes, gamma, seed) => {
        const rng = new Rng(seed);
        const model = reluNet({ sizes, activation: leakyRelu(gamma, 0), init: 'gaussian', scale: 1 });
        const { X, y } = vectorData(rng, 3, sizes[0], sizes.at(-1)!);
        const obj = objective(model, LOSSES.square, X, y, 'sum');
        const theta = model.init(rng.fork('init'));
        expectGradientMatchesFD(obj, theta, 1e-5);
      }),
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

  it('explicit-vector data expand each input into one row per output, and the model checks the shapes', () => {
    const text = `id: t.x\ntitle: x\nstatement: { text: t, latex: t }\nsource: { location: here }\nprovenance: D\nexpect: holds\nsearch:\n  trials: 1\n  space: { a: { grid: [1] } }\n  data: { block: explicit-vector, inputs: [[3, 4], [1, 0]], targets: [[1, 0], [0, 1]], normalize: true }\n  model: { block: relu-net, sizes: [2, 3, 2], scale: 0.1 }\n  metrics:\n    lossT: { block: loss }\n  property: 'lossT >= 0'\n`;
    const r = loadClaimText('x.yaml', text, 't');
    if (!r.ok) throw new Error(JSON.stringify(r.errors));
    expect(runTrial(r.claim.search!, { a: 1, seed: 1 }).status).toBe('error'); // a metric 'loss' without a loss block: said, not crashed
    const bad = loadClaimText('x.yaml', text.replace('sizes: [2, 3, 2]', 'sizes: [3, 3, 2]'), 't');
    if (!bad.ok) throw new Error('valid file');
    const t = runTrial(bad.claim.search!, { a: 1, seed: 1 });
    expect(t.status).toBe('error');
    expect(t.message).toMatch(/need data rows of 5 entries/);
  });
});

describe('symbolic steps shared between claims (`uses`)', () => {
  it('resolve from the claims folder even when one file is loaded, and are marked as shared', async () => {
    const { loadClaims } = await import('../src/claims/load.js');
    const { join } = await import('node:path');
    const file = join(import.meta.dirname, '..', 'claims', 'timor2022', 'c2-per-neuron-balance.yaml');
    const [c] = loadClaims([file]).claims;
    if (!c.ok) throw new Error(JSON.stringify(c.errors));
    const step = c.claim.symbolic.find((s) => s.id === 'drift_vanishes') as { sharedFrom?: string; kind: string };
    expect(step.sharedFrom).toBe('vardi2021.balancedness');
    expect(step.kind).toBe('conserved');
  });

  it('name the file, the line and the field for an unknown claim or step', async () => {
    const { loadClaims } = await import('../src/claims/load.js');
    const { claimsFixture } = await import('./helpers.js');
    const base = `id: t.shared\ntitle: t\nstatement: { text: t, latex: t }\nsource: { location: here }\nprovenance: D\nexpect: holds\nuses: ['REF']\n`;
    const dir = claimsFixture({ 'a.yaml': base.replace('REF', 'no.such-claim#x'), 'b.yaml': base.replace('t.shared', 't.other').replace('REF', 't.shared#nope') });
    const out = loadClaims([dir]).claims;
    const msgs = out.flatMap((c) => (c.ok ? [] : c.errors.map((e) => `${e.file}:${e.line}: ${e.path}: ${e.message}`)));
    expect(msgs.some((m) => /a\.yaml:7: uses: no claim "no\.such-claim"/.test(m))).toBe(true);
    expect(msgs.some((m) => /b\.yaml:7: uses: claim "t\.shared" has no symbolic step "nope"/.test(m))).toBe(true);
  });
});

describe('the max-margin regime of deep nets (Thm 5 / C7)', () => {
  it('mean-spectral-ratio averages ‖W_i‖_σ/‖W_i‖_F over every layer (1 for rank 1, 1/√2 for I₂)', () => {
    const model = reluNet({ sizes: [2, 2, 2, 1], activation: leakyRelu(0, 0), init: 'gaussian', scale: 1 });
    // W1 = I₂ (ratio 1/√2), W2 = [[1, 2], [2, 4]] (rank 1: ratio 1), W3 = [3, 4] (a row: ratio 1)
    const theta = Float64Array.from([1, 0, 0, 1, 1, 2, 2, 4, 3, 4]);
    const metric = BLOCKS.metric.get('mean-spectral-ratio')!;
    const f = metric.create(metric.params.parse({}), { num: Number, int: Number, rng: new Rng(1), scope: {} }) as (s: SimState) => number;
    expect(f({ model, theta0: theta, theta })).toBeCloseTo((1 / Math.sqrt(2) + 1 + 1) / 3, 14);
  });

  it('unit steps move θ by exactly η, where the plain normalized flow’s steps grow with ‖θ‖^{k−1}', () => {
    const rng = new Rng(1);
    const model = reluNet({ sizes: [2, 8, 8, 8, 1], activation: leakyRelu(0, 0), init: 'gaussian', scale: 1 });
    const X = mat(2, 3, [1, 0, 1, 0.6, 0.8, 1]);
    const y = Float64Array.from([1, -1]);
    const lengths = (unitStep: boolean) => {
      const out: number[] = [];
      let prev: Float64Array | undefined;
      normalizedFlow(model, X, y, model.init(rng.fork('init')), {
        steps: 300,
        eta: 0.05,
        unitStep,
        observe: (t) => {
          if (prev) out.push(Math.hypot(...t.map((v, i) => v - prev![i])));
          prev = Float64Array.from(t);
        },
      });
      return out;
    };
    const unit = lengths(true);
    expect(unit.length).toBe(300);
    for (const l of unit) expect(l).toBeCloseTo(0.05, 12);
    const plain = lengths(false);
    expect(Math.max(...plain) / Math.min(...plain)).toBeGreaterThan(2);
  });
});
