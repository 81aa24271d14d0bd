// Every registered data, model, loss and metric block against its kind's contract: data give their
// declared statistics; models' gradients (through objective.ts, every loss) agree with central
// differences; losses' derivatives too; every metric gives a number on some model that has what it
// declares it needs, asks for layers only through layerOf (ModelHasNoLayerError), and declares them.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileExpr } from '../../src/core/expr.js';
import { ModelHasNoLayerError } from '../../src/core/errors.js';
import { BLOCKS } from '../../src/blocks/index.js';
import { metricDefs, type MetricNeeds } from '../../src/blocks/metrics/index.js';
import type { BlockContext, LossProduct, MetricProduct, SimState } from '../../src/blocks/types.js';
import { EAGER_DATA_STAT_NAMES as DATA_STAT_NAMES, type Dataset } from '../../src/numeric/data.js';
import type { SimResult } from '../../src/numeric/dynamics.js';
import type { Model } from '../../src/numeric/models.js';
import { objective, type Objective } from '../../src/numeric/objective.js';
import { Rng } from '../../src/numeric/rng.js';
import { fcRuns, fdGradient } from '../checks.js';

function context(rng: Rng, data?: Dataset, scope: Record<string, number> = {}): BlockContext {
  const num = (v: number | string) => (typeof v === 'number' ? v : compileExpr(v).value(scope));
  return { num, int: num, rng, scope, data };
}

function build<K extends 'data' | 'model' | 'loss' | 'metric'>(kind: K, block: string, raw: Record<string, unknown>, rng: Rng, data?: Dataset) {
  const def = BLOCKS[kind].get(block);
  if (!def) throw new Error(`no ${kind} block ${block}`);
  return def.create(def.params.parse(raw), context(rng.fork(`${kind}:${block}`), data));
}

/** One small instance of every data block. */
const DATA_SAMPLES: Record<string, Record<string, unknown>> = {
  'isotropic-gaussian': { n: 6, d: 3, labels: 'sign' },
  'exact-gram': { n: 4, d: 6, kappa: 10 },
  'gaussian-mixture': { n: 6, d: 3, mu_norm: 2 },
  explicit: {
    rows: [
      [1, 0.2],
      [0.3, 1],
      [-0.5, 0.4],
    ],
    y: [1, 0.5, 0.2],
  },
  'matrix-completion': {
    rows: 2,
    cols: 2,
    observed: [
      [1, 1, 1],
      [1, 2, 0.5],
      [2, 2, -1],
    ],
  },
  'tensor-completion': { dims: [2, 3], rank: 1, observed: 4 },
  'explicit-vector': {
    inputs: [
      [1, 0],
      [0, 1],
      [1, 1],
    ],
    targets: [
      [1, 0.5],
      [0, 1],
      [1, -1],
    ],
  },
  'linearly-separable': { n: 6, d: 3, margin: 0.1, flip: 0.2 },
  'sparse-regression': { n: 4, d: 6, k: 2, sigma: 0.1 },
};

/** Fixtures: a model block on data it reads; together they name every model block. */
const FIXTURES: Array<{ name: string; data: [string, Record<string, unknown>]; model: [string, Record<string, unknown>] }> = [
  { name: 'two-layer', data: ['isotropic-gaussian', { n: 6, d: 3, labels: 'sign' }], model: ['two-layer', { d: 3, width: 4, gamma: 0.1, w_scale: 0.5 }] },
  {
    name: 'two-layer, hidden bias',
    data: ['isotropic-gaussian', { n: 6, d: 3, labels: 'sign' }],
    model: ['two-layer', { d: 3, width: 4, gamma: 0.1, w_scale: 0.5, hidden_bias: true }],
  },
  {
    name: 'single neuron, v = 1 fixed',
    data: [
      'explicit',
      {
        rows: [
          [1, 0.2],
          [0.3, 1],
        ],
        y: [1, 0.5],
      },
    ],
    model: ['two-layer', { d: 2, width: 1, gamma: 0.5, train_output: false, v_init: 'split', positive_fraction: 1, w_scale: 0.3 }],
  },
  {
    name: 'two-layer, smooth',
    data: ['isotropic-gaussian', { n: 6, d: 3 }],
    model: ['two-layer', { d: 3, width: 4, activation: 'smooth-leaky-relu', gamma: 0.1, H: 2, w_scale: 0.5 }],
  },
  {
    name: 'two-layer, Gram coordinates',
    data: ['exact-gram', { n: 4, d: 8, kappa: 10 }],
    model: ['two-layer', { d: 8, width: 3, gamma: 0.1, w_scale: 0.5, coordinates: 'gram' }],
  },
  { name: 'deep-linear', data: ['matrix-completion', DATA_SAMPLES['matrix-completion']], model: ['deep-linear', { rows: 2, cols: 2, depth: 3, scale: 0.7 }] },
  {
    name: 'cp-factorization',
    data: ['tensor-completion', DATA_SAMPLES['tensor-completion']],
    model: ['cp-factorization', { dims: [2, 3], rank: 2, scale: 0.7 }],
  },
  {
    name: 'relu-net',
    data: ['explicit-vector', DATA_SAMPLES['explicit-vector']],
    model: ['relu-net', { sizes: [2, 3, 2], gamma: 0.1, scale: 0.7, init: 'gaussian' }],
  },
  {
    name: 'relu-net, one output, labels ±1',
    data: [
      'explicit-vector',
      {
        inputs: [
          [1, 0],
          [0, 1],
          [1, 1],
        ],
        targets: [[1], [-1], [1]],
      },
    ],
    model: ['relu-net', { sizes: [2, 3, 1], gamma: 0.1, scale: 0.7, init: 'gaussian' }],
  },
  { name: 'linear, bias', data: ['linearly-separable', { n: 6, d: 3, margin: 0.1 }], model: ['linear', { d: 3, bias: true, init: 'gaussian', scale: 0.5 }] },
  { name: 'diagonal-linear, u2-v2', data: ['sparse-regression', { n: 4, d: 6, k: 2 }], model: ['diagonal-linear', { d: 6, alpha: 0.3 }] },
  { name: 'diagonal-linear, uv', data: ['sparse-regression', { n: 4, d: 6, k: 2 }], model: ['diagonal-linear', { d: 6, parametrization: 'uv', alpha: 0.3 }] },
  {
    name: 'deep-linear-net, one output',
    data: ['linearly-separable', { n: 6, d: 3 }],
    model: ['deep-linear-net', { d: 3, width: 4, depth: 3, scale: 0.7 }],
  },
  {
    name: 'deep-linear-net, vector outputs, balanced',
    data: ['explicit-vector', DATA_SAMPLES['explicit-vector']],
    model: ['deep-linear-net', { d: 2, width: 3, depth: 3, d_out: 2, init: 'balanced', scale: 0.7 }],
  },
];

function fixture(f: (typeof FIXTURES)[number], seed = 1) {
  const rng = new Rng(seed);
  const data = build('data', f.data[0], f.data[1], rng) as Dataset;
  const model = build('model', f.model[0], f.model[1], rng, data) as Model;
  return { data, model, theta0: model.init(rng.fork('init')) };
}

const LOSSES = [...BLOCKS.loss.keys()];

describe('data blocks', () => {
  it('every data block has a sample here', () => expect([...BLOCKS.data.keys()].filter((b) => !DATA_SAMPLES[b])).toEqual([]));
  it.each([...BLOCKS.data.keys()])('%s gives finite X, y and the declared statistics', (block) => {
    const d = build('data', block, DATA_SAMPLES[block], new Rng(3)) as Dataset;
    expect(d.X.data.length).toBe(d.X.rows * d.X.cols);
    expect(d.y.length).toBe(d.X.rows);
    expect([...d.X.data, ...d.y].every(Number.isFinite)).toBe(true);
    expect(Object.keys(d.stats).sort()).toEqual([...DATA_STAT_NAMES, 'n', 'd'].sort());
    for (const k of ['n', 'd'] as const) expect(Number.isInteger(d.stats[k]) && d.stats[k] > 0, k).toBe(true);
    // κ and R are ∞ for orthogonal data or a single point (trial.ts accepts that), never NaN
    for (const k of DATA_STAT_NAMES) expect(typeof d.stats[k] === 'number' && !Number.isNaN(d.stats[k]) && d.stats[k] >= 0, k).toBe(true);
    if (d.truth) expect(d.truth.every(Number.isFinite)).toBe(true);
  });
});

describe('loss blocks', () => {
  it.each(LOSSES)('%s: dℓ/dp agrees with central differences', (block) => {
    const { loss } = build('loss', block, {}, new Rng(1)) as LossProduct;
    fc.assert(
      fc.property(fc.double({ min: -6, max: 6, noNaN: true }), fc.double({ min: -2, max: 2, noNaN: true }), (p, y) => {
        const h = 1e-6;
        const fd = (loss.value(p + h, y) - loss.value(p - h, y)) / (2 * h);
        expect(Math.abs(fd - loss.derivative(p, y))).toBeLessThan(1e-6 * (1 + Math.abs(fd)));
      }),
      fcRuns(100),
    );
  });
});

describe('model blocks', () => {
  it('every model block has a fixture', () => expect([...BLOCKS.model.keys()].filter((b) => !FIXTURES.some((f) => f.model[0] === b))).toEqual([]));
  it.each(FIXTURES.map((f) => [f.name, f] as const))('%s: the gradient through objective.ts agrees with central differences for every loss', (_, f) => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1e6 }), (seed) => {
        const { data, model } = fixture(f, seed);
        const theta = model.init(new Rng(seed).fork('point'));
        for (const block of LOSSES) {
          const { loss, reduction } = build('loss', block, { reduction: seed % 2 ? 'sum' : 'mean' }, new Rng(1)) as LossProduct;
          const obj = objective(model, loss, data.X, data.y, reduction);
          const g = new Float64Array(theta.length);
          obj.valueAndGrad(theta, g);
          const fd = fdGradient(obj, theta);
          for (let i = 0; i < theta.length; i++) {
            const want = model.trainable[i] ? fd[i] : 0;
            expect(Math.abs(g[i] - want), `${block}, coordinate ${i}`).toBeLessThan(1e-5 * (1 + Math.abs(want)));
          }
        }
      }),
      fcRuns(5),
    );
  });
});

/** Sample values for metric parameters without a default, by parameter name. */
const PARAM_SAMPLES: Record<string, unknown> = { p: 1, k: 2, col: 0, of: 'loss', quantity: 'wnorm^2 - v^2', eta: 0.01, alpha: 0.3 };

/** Run a few gradient-descent steps from the fixture's θ0 (watching for the metric), then evaluate the metric: a number or the error it throws. */
function evaluateMetric(name: string, raw: Record<string, unknown>, f: (typeof FIXTURES)[number]): number | Error {
  const { data, model, theta0 } = fixture(f);
  const obj: Objective = objective(model, (build('loss', 'logistic', {}, new Rng(1)) as LossProduct).loss, data.X, data.y, 'mean');
  try {
    const metric = build('metric', name, raw, new Rng(5)) as MetricProduct;
    const observe = metric.watch?.({ objective: obj, model, data });
    const theta = Float64Array.from(theta0),
      g = new Float64Array(theta.length);
    const snapshots: Array<{ step: number; theta: Float64Array }> = [];
    observe?.(theta);
    for (let step = 1; step <= 5; step++) {
      obj.valueAndGrad(theta, g);
      for (let i = 0; i < theta.length; i++) theta[i] -= 0.05 * g[i];
      snapshots.push({ step, theta: Float64Array.from(theta) });
      observe?.(theta);
    }
    const sim = {
      theta,
      loss: obj.value(theta),
      steps: 5,
      time: 0.25,
      errorEstimate: 0,
      trajectory: [],
      stoppedBy: 'steps',
      snapshots,
    } as unknown as SimResult;
    const restart = (k: number, scale: number) => model.init(new Rng(10 + k)).map((x, i) => (model.trainable[i] ? scale * x : x));
    const s: SimState = { model, data, theta0, theta, sim, objective: obj, restart };
    return metric(s);
  } catch (e) {
    return e as Error;
  }
}

/** What the fixture lacks of what the metric declares it needs: layer names, meta.<key>, and (not the model's layers) "neurons", "truth". */
function lacks(model: Model, data: Dataset, theta: Float64Array, needs: MetricNeeds, layer: string): string[] {
  const L = model.layers(theta);
  return [
    ...(needs.layers ?? []).map((n) => (n === '$layer' ? layer : n)).filter((n) => !L[n]),
    ...(needs.meta ?? []).filter((k) => model.meta?.[k] === undefined).map((k) => `meta.${k}`),
    ...(needs.neurons && !model.neurons ? ['neurons'] : []),
    ...(needs.truth && !data.truth ? ['truth'] : []),
  ];
}

describe('metric blocks', () => {
  it('the registry holds exactly the metric definitions', () => expect([...BLOCKS.metric.keys()]).toEqual(metricDefs.map((d) => d.name)));

  it.each(metricDefs.map((d) => [d.name, d] as const))('%s: a number where its needs are met, ModelHasNoLayerError only where they are not', (name, def) => {
    const shape = def.params.shape as Record<string, { def: { type: string } }>;
    let gave = 0;
    for (const f of FIXTURES) {
      const { model, data, theta0 } = fixture(f);
      const layer = Object.keys(model.layers(theta0))[0];
      const raw: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(shape)) if (v.def.type !== 'default' && v.def.type !== 'optional') raw[k] = k === 'layer' ? layer : PARAM_SAMPLES[k];
      const params = def.params.parse(raw);
      const needs = typeof def.needs === 'function' ? def.needs(params) : def.needs;
      const missing = lacks(model, data, theta0, needs, (params as { layer?: string }).layer ?? '');
      const r = evaluateMetric(name, raw, f);
      if (r instanceof ModelHasNoLayerError) {
        // it asked for something it declares, and the model really lacks it
        expect(missing, `${f.name}: ${r.message}`).toContain(r.layer);
      } else if (typeof r === 'number' && !missing.length) gave++;
      // lacking only a declared layer or meta fact: the error, or NaN where it decided before the lookup (restart-norm-ratio without a positive margin)
      if (missing.length && !missing.includes('neurons') && !missing.includes('truth'))
        expect(r instanceof ModelHasNoLayerError || Number.isNaN(r), `${f.name} lacks ${missing}: got ${r}`).toBe(true);
      if (needs.layers?.includes('$layer') && typeof r === 'number') {
        const miss = evaluateMetric(name, { ...raw, layer: 'no-such-layer' }, f);
        expect(miss, `${f.name}, layer "no-such-layer"`).toBeInstanceOf(ModelHasNoLayerError);
      }
    }
    expect(gave, 'fixtures where it gave a number').toBeGreaterThan(0);
  });

  it('the error names the model, the layer and the layers it has', () => {
    const { model, theta0 } = fixture(FIXTURES[0]);
    const r = evaluateMetric('stable-rank', { layer: 'W7' }, FIXTURES[0]);
    expect(r).toBeInstanceOf(ModelHasNoLayerError);
    expect((r as Error).message).toBe(`model "two-layer" has no layer "W7"; layers: ${Object.keys(model.layers(theta0)).join(', ')}`);
  });
});
