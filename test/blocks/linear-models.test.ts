// The linear model blocks (linear, diagonal-linear, deep-linear-net) and the data blocks
// linearly-separable and sparse-regression in claims: a data/model width mismatch is invalid at its
// file:line:column with both sizes (and a trial error where only a trial knows the sizes), and one
// tiny claim per model shows that it trains.
import { describe, expect, it } from 'vitest';
import { formatError, loadClaimText } from '../../src/claims/load.js';
import { runTrial } from '../../src/search/trial.js';
import { claimWithSearch, searchFixture } from '../helpers.js';

/** The validation errors of a claim around `search`, as file:line:column: path: message. */
function errors(search: string): string[] {
  const r = loadClaimText('x.yaml', claimWithSearch(search), 't');
  return r.ok ? [] : r.errors.map(formatError);
}

/** The 1-based line of the first line of `text` that starts with `start`, and the column just after it. */
function lineOf(text: string, start: string): { line: number; column: number } {
  const lines = text.split('\n');
  const i = lines.findIndex((l) => l.startsWith(start));
  return { line: i + 1, column: start.length + 1 };
}

const TAIL = `metrics: { lossT: { block: loss } }\nproperty: 'lossT >= 0'`;

describe('a model that reads rows of another width than the data’s is invalid at validation', () => {
  const cases: Array<[string, string, string, number, number]> = [
    ['linear', '{ block: linearly-separable, n: 5, d: 3 }', '{ block: linear, d: 4 }', 4, 3],
    ['diagonal-linear', '{ block: sparse-regression, n: 4, d: 6, k: 2 }', '{ block: diagonal-linear, d: 5, alpha: 0.1 }', 5, 6],
    ['deep-linear-net', '{ block: isotropic-gaussian, n: 5, d: 3 }', '{ block: deep-linear-net, d: 2, width: 3, depth: 2, scale: 1 }', 2, 3],
    [
      'deep-linear-net',
      '{ block: explicit-vector, inputs: [[1, 0], [0, 1]], targets: [[1, 0, 0], [0, 1, 0]] }',
      '{ block: deep-linear-net, d: 2, width: 3, depth: 2, d_out: 2, scale: 1 }',
      4,
      5,
    ],
  ];
  it.each(cases)('%s: file:line:column, naming both sizes', (model, data, modelRef, modelCols, dataCols) => {
    const search = `trials: 1\nspace: { a: { grid: [1] } }\ndata: ${data}\nmodel: ${modelRef}\nloss: { block: square }\n${TAIL}`;
    const text = claimWithSearch(search);
    const { line, column } = lineOf(text, '  model: ');
    const dataName = /block: ([a-z-]+)/.exec(data)![1];
    expect(errors(search)).toEqual([
      `x.yaml:${line}:${column}: search.model: model block "${model}" reads data rows of ${modelCols} numbers, but data block "${dataName}" has rows of ${dataCols}`,
    ]);
  });

  it('the same blocks with matching widths validate', () => {
    for (const [data, model] of [
      ['{ block: linearly-separable, n: 5, d: 3, margin: 0.1 }', '{ block: linear, d: 3, bias: true }'],
      ['{ block: sparse-regression, n: 4, d: 6, k: 2 }', '{ block: diagonal-linear, d: 6, alpha: 0.1 }'],
      ['{ block: linearly-separable, n: 5, d: 3 }', '{ block: deep-linear-net, d: 3, width: 3, depth: 2, scale: 1 }'],
    ])
      expect(errors(`trials: 1\nspace: { a: { grid: [1] } }\ndata: ${data}\nmodel: ${model}\nloss: { block: square }\n${TAIL}`)).toEqual([]);
  });

  it('widths only a trial knows (a data statistic): the trial is an error naming both sizes', () => {
    const spec = searchFixture(
      `trials: 1\nspace: { k: { grid: [0, 1] } }\ndata: { block: sparse-regression, n: 4, d: 3, k: 1 }\nmodel: { block: linear, d: rank_X + k }\nloss: { block: square }\n${TAIL}`,
    );
    expect(runTrial(spec, { k: 0, seed: 1 }).status).toBe('pass');
    const bad = runTrial(spec, { k: 1, seed: 1 });
    expect(bad.status).toBe('error');
    expect(bad.message).toMatch(/linear: d = 4 but the data have rows of 3 numbers/);
  });

  it('parameter checks of the new blocks: k above d, a teacher of the wrong length, a balanced width below min(d, d_out)', () => {
    const e = errors(
      `trials: 1\nspace: { a: { grid: [1] } }\ndata: { block: sparse-regression, n: 4, d: 3, k: 5, values: [1, 2] }\nmodel: { block: linear, d: 3 }\n${TAIL}`,
    );
    expect(e.some((m) => m.includes('search.data.k: data block "sparse-regression": k must be at most d = 3, found 5'))).toBe(true);
    expect(e.some((m) => m.includes('search.data.values: data block "sparse-regression": 2 values for k = 5 nonzeros'))).toBe(true);
    const t = errors(
      `trials: 1\nspace: { a: { grid: [1] } }\ndata: { block: linearly-separable, n: 4, d: 3, teacher: [1, 2] }\nmodel: { block: linear, d: 3 }\n${TAIL}`,
    );
    expect(t).toEqual([expect.stringContaining('search.data.teacher: data block "linearly-separable": a teacher of 2 entries for d = 3')]);
    const b = errors(
      `trials: 1\nspace: { a: { grid: [1] } }\ndata: { block: explicit-vector, inputs: [[1, 0, 0]], targets: [[1, 0]] }\nmodel: { block: deep-linear-net, d: 3, width: 1, depth: 3, d_out: 2, init: balanced, scale: 1 }\n${TAIL}`,
    );
    expect(b).toEqual([expect.stringContaining('search.model.width: model block "deep-linear-net": init "balanced" needs width ≥ min(d, d_out) = 2, found 1')]);
  });
});

describe('each model trains', () => {
  it('linear + square loss: gradient descent from zero with eta = 1/lambda_max reaches the least-squares fit (normal equations)', () => {
    const rows = [
      [1, 0.5],
      [0.2, 1],
      [-1, 0.3],
      [0.4, -0.8],
      [1.5, 1],
    ];
    const y = [1, 0.3, -0.7, 0.9, 2];
    const spec = searchFixture(`trials: 1
space: { a: { grid: [1] } }
data: { block: explicit, rows: ${JSON.stringify(rows)}, y: ${JSON.stringify(y)} }
model: { block: linear, d: 2 }
loss: { block: square, reduction: sum }
dynamics: { block: gradient-descent, steps: 2000, eta: '1 / lambda_max' }
metrics:
  w0: { block: layer-entry, layer: w, col: 0 }
  w1: { block: layer-entry, layer: w, col: 1 }
property: 'lambda_max > 0'`);
    const r = runTrial(spec, { a: 1, seed: 1 });
    expect(r.status).toBe('pass');
    // (XᵀX) w = Xᵀy, solved by Cramer's rule
    const [a, b, c] = [rows.reduce((s, r) => s + r[0] * r[0], 0), rows.reduce((s, r) => s + r[0] * r[1], 0), rows.reduce((s, r) => s + r[1] * r[1], 0)];
    const [p, q] = [rows.reduce((s, r, i) => s + r[0] * y[i], 0), rows.reduce((s, r, i) => s + r[1] * y[i], 0)];
    const det = a * c - b * b;
    expect(r.quantities.w0).toBeCloseTo((c * p - b * q) / det, 10);
    expect(r.quantities.w1).toBeCloseTo((a * q - b * p) / det, 10);
    expect(r.quantities.lambda_max).toBeCloseTo((a + c + Math.sqrt((a - c) ** 2 + 4 * b * b)) / 2, 12);
    expect(r.quantities.rank_X).toBe(2);
  });

  it('diagonal-linear on noiseless 1-sparse data, n < d: an interpolant from α = 0.05 and from α = 1, sparse only from the small α; uv with step 2η takes the steps of u2-v2 with η', () => {
    const run = (parametrization: string, eta: number, alpha: number) =>
      runTrial(
        searchFixture(`trials: 1
space: { alpha: { grid: [${alpha}] } }
data: { block: sparse-regression, n: 8, d: 16, k: 1, support: first, signs: positive }
model: { block: diagonal-linear, d: 16, parametrization: ${parametrization}, alpha: alpha }
loss: { block: square, reduction: mean }
dynamics: { block: gradient-descent, steps: 30000, eta: ${eta}, stop_loss: 1e-14 }
metrics:
  lossT: { block: loss }
  nnz: { block: count-above, layer: w, fraction: 0.1 }
  steps: { block: steps }
property: 'lossT < 1e-12'`),
        { alpha, seed: 3 },
      );
    const rich = run('u2-v2', 0.05, 0.05),
      kernel = run('u2-v2', 0.05, 1),
      uv = run('uv', 0.1, 0.05);
    for (const r of [rich, kernel, uv]) expect(r.status, JSON.stringify(r.quantities)).toBe('pass');
    expect(rich.quantities.nnz).toBe(1);
    expect(kernel.quantities.nnz).toBeGreaterThan(1);
    expect(uv.quantities.nnz).toBe(1);
    expect(uv.quantities.steps).toBe(rich.quantities.steps);
    expect(rich.quantities.steps).toBeLessThan(30000);
  });

  it('deep-linear-net (depth 3) + logistic loss on linearly separable data: every point classified, the loss falls, the first layer nears rank 1', () => {
    const spec = searchFixture(`trials: 1
space: { a: { grid: [1] } }
data: { block: linearly-separable, n: 20, d: 3, margin: 0.2 }
model: { block: deep-linear-net, d: 3, width: 4, depth: 3, scale: 0.5 }
loss: { block: logistic, reduction: mean }
dynamics: { block: gradient-descent, steps: 3000, eta: 0.2 }
metrics:
  acc: { block: train-accuracy }
  loss0: { block: loss, at: initial }
  lossT: { block: loss }
  sr0: { block: stable-rank, layer: W1, at: initial }
  srT: { block: stable-rank, layer: W1 }
property: 'acc == 1 and lossT < loss0 / 10 and srT < sr0'`);
    const r = runTrial(spec, { a: 1, seed: 2 });
    expect(r.status, JSON.stringify(r.quantities)).toBe('pass');
  });
});
