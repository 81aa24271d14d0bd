// Row widths over the search space (issue 22): a data/model width mismatch at some point of a grid
// is invalid at validation, at the model's file:line:column, naming both widths and the variables'
// values there; widths from continuous variables are checked at the range's ends.
import { describe, expect, it } from 'vitest';
import { formatError, loadClaimText } from '../../src/claims/load.js';
import { claimText, claimWithSearch } from '../helpers.js';

function errors(search: string): string[] {
  const r = loadClaimText('x.yaml', claimWithSearch(search), 't');
  return r.ok ? [] : r.errors.map(formatError);
}

function modelAt(search: string): string {
  const lines = claimWithSearch(search).split('\n');
  const i = lines.findIndex((l) => l.startsWith('  model: '));
  return `x.yaml:${i + 1}:${'  model: '.length + 1}`;
}

const TAIL = `loss: { block: square }\nmetrics: { lossT: { block: loss } }\nproperty: 'lossT >= 0'`;
const search = (space: string, data: string, model: string) => `trials: 1\nspace: ${space}\ndata: ${data}\nmodel: ${model}\n${TAIL}`;

describe('data and model widths over the search space', () => {
  it('data d: k with k ∈ {4, 5} and a model of d 5: invalid at the model, naming both widths and k', () => {
    const s = search('{ k: { grid: [4, 5] } }', '{ block: isotropic-gaussian, n: 4, d: k }', '{ block: linear, d: 5 }');
    expect(errors(s)).toEqual([
      `${modelAt(s)}: search.model: model block "linear" reads data rows of 5 numbers, but data block "isotropic-gaussian" has rows of 4 at k = 4`,
    ]);
  });

  it('a mismatch only at one corner of two variables', () => {
    const s = search('{ a: { int: [1, 3] }, b: { grid: [0, 1] } }', '{ block: isotropic-gaussian, n: 4, d: a + b }', '{ block: linear, d: "a + b * (a < 3)" }');
    expect(errors(s)).toEqual([expect.stringContaining('reads data rows of 3 numbers, but data block "isotropic-gaussian" has rows of 4 at a = 3, b = 1')]);
  });

  it('the model reading the data’s d, or the same variable, validates', () => {
    expect(errors(search('{ k: { grid: [4, 5] } }', '{ block: isotropic-gaussian, n: 4, d: k }', '{ block: linear, d: d }'))).toEqual([]);
    expect(errors(search('{ k: { int: [2, 9] } }', '{ block: sparse-regression, n: 4, d: k, k: 1 }', '{ block: diagonal-linear, d: k, alpha: 0.1 }'))).toEqual([]);
  });

  it('a product over 4096 points still checks every value of each variable (here a = 500 of 1000, with 5 values of b)', () => {
    const s = search('{ a: { int: [1, 1000] }, b: { int: [1, 5] } }', '{ block: isotropic-gaussian, n: 2, d: "1 + (a == 500)" }', '{ block: linear, d: "b - b + 1" }');
    expect(errors(s)).toEqual([expect.stringContaining('reads data rows of 1 numbers, but data block "isotropic-gaussian" has rows of 2 at a = 500, b = 1')]);
  });

  it('a continuous variable: checked at the ends of its range', () => {
    const bad = search('{ x: { range: [2, 3], step: 0.5 } }', '{ block: isotropic-gaussian, n: 4, d: x }', '{ block: linear, d: 2 }');
    expect(errors(bad)).toEqual([expect.stringContaining('reads data rows of 2 numbers, but data block "isotropic-gaussian" has rows of 3 at x = 3')]);
    expect(errors(search('{ x: { range: [2.5, 3.5], step: 0.5 } }', '{ block: isotropic-gaussian, n: 4, d: x }', '{ block: linear, d: "x - x + 2" }'))).toEqual([
      expect.stringContaining('search.data.d: data block "isotropic-gaussian" has rows of 2.5 numbers at x = 2.5: a row\'s width must be a positive integer'),
    ]);
  });

  it('at the full scale, the mismatch is reported there', () => {
    const s = `${search('{ k: { grid: [5] } }', '{ block: isotropic-gaussian, n: 4, d: k }', '{ block: linear, d: 5 }')}\nfull: { space: { k: { grid: [5, 6] } } }`;
    expect(errors(s)).toEqual([expect.stringContaining('has rows of 6 at k = 6 (at the full scale, run --full)')]);
  });

  // hostile findings #22.4 and #22.5: the values a variant, a boundary grid or a trajectory runs trials at, and widths that are no integer
  const at = (text: string, line: string) => {
    const lines = text.split('\n');
    const i = lines.findIndex((l) => l.includes(line));
    return `x.yaml:${i + 1}:${lines[i].indexOf(line) + 1}`;
  };
  const load = (text: string) => {
    const r = loadClaimText('x.yaml', text, 't');
    return r.ok ? [] : r.errors.map(formatError);
  };

  it('a variant that sets k to a width the model does not read: invalid at the variant, naming the widths and k', () => {
    const s = `${search('{ k: { grid: [5] } }', '{ block: isotropic-gaussian, n: 4, d: k }', '{ block: linear, d: 5 }')}\nvariants: { other: { k: 4 } }`;
    expect(errors(s)).toEqual([
      `${at(claimWithSearch(s), '{ k: 4 } }')}: search.variants.other: model block "linear" reads data rows of 5 numbers, but data block "isotropic-gaussian" has rows of 4 at k = 4 (in variant "other")`,
    ]);
    // an expression of the point: k + 1 at k = 4 is 5, at k = 5 is 6
    const e = `${search('{ k: { grid: [4, 5] }, j: { grid: [1] } }', '{ block: isotropic-gaussian, n: 4, d: k }', '{ block: linear, d: k }')}\nvariants: { up: { k: "k + j" } }`;
    expect(errors(e)).toEqual([]);
    const bad = e.replace('{ block: linear, d: k }', '{ block: linear, d: "k - (k == 6)" }');
    expect(errors(bad)).toEqual([expect.stringContaining('has rows of 6 at j = 1, k = 6 (in variant "up")')]);
    // a variant that changes no width variable adds nothing
    expect(errors(`${search('{ k: { grid: [5] }, c: { grid: [1] } }', '{ block: isotropic-gaussian, n: 4, d: k }', '{ block: linear, d: 5 }')}\nvariants: { other: { c: 2 } }`)).toEqual([]);
  });

  it('a boundary grid and a trajectory with a value the model does not read: invalid at that value', () => {
    const base = `${search('{ k: { grid: [5] }, e: { grid: [0.1] } }', '{ block: isotropic-gaussian, n: 4, d: k }', '{ block: linear, d: 5 }')}\ndynamics: { block: gradient-descent, steps: 1, eta: e }`;
    const b = claimText({ search: base, boundary: 'x: { var: k, values: [5, 3, 4] }\nmetric: lossT\nfixed: { e: 0.1 }' });
    expect(load(b)).toEqual([
      `${at(b, '3, 4]')}: boundary.x.values[1]: model block "linear" reads data rows of 5 numbers, but data block "isotropic-gaussian" has rows of 3 at k = 3 (in the boundary grid)`,
    ]);
    const fixed = claimText({ search: base, boundary: 'x: { var: e, values: [0.1, 0.2] }\nmetric: lossT\nfixed: { k: 6 }' });
    expect(load(fixed)).toEqual([expect.stringMatching(/^x\.yaml:\d+:\d+: boundary\.fixed\.k: .* has rows of 6 at k = 6 \(in the boundary grid\)$/)]);
    expect(load(claimText({ search: base, boundary: 'x: { var: e, values: [0.1, 0.2] }\nmetric: lossT\nfixed: { k: 5 }' }))).toEqual([]);
    const t = claimText({ search: base, after: 'trajectory:\n  layer: w\n  x: step\n  y: loss\n  series: { var: k, values: [5, 7] }\n  fixed: { e: 0.1 }\n' });
    expect(load(t)).toEqual([expect.stringMatching(/^x\.yaml:\d+:\d+: trajectory\.series\.values\[1\]: .* has rows of 7 at k = 7 \(in the trajectory\)$/)]);
  });

  it('a boundary mismatch made by the y value is reported at y’s value, not at x’s (review #22 §11)', () => {
    const base = `${search('{ k: { grid: [5] }, j: { grid: [0] } }', '{ block: isotropic-gaussian, n: 4, d: "k + j" }', '{ block: linear, d: 5 }')}\ndynamics: { block: gradient-descent, steps: 1, eta: 0.1 }`;
    // x = k at 5 (valid with j = 0), y = j at 0 or 2: the mismatch is j = 2
    const b = claimText({ search: base, boundary: 'x: { var: k, values: [5] }\ny: { var: j, values: [0, 2] }\nmetric: lossT' });
    expect(load(b)).toEqual([expect.stringMatching(new RegExp(`^${at(b, '2] }').replace(/[.]/g, '\\.')}: boundary\\.y\\.values\\[1\\]: .* has rows of 7 at j = 2, k = 5 \\(in the boundary grid\\)$`))]);
    // x's value the cause: reported at x, as before
    const bx = claimText({ search: base, boundary: 'x: { var: k, values: [5, 6] }\ny: { var: j, values: [0] }\nmetric: lossT' });
    expect(load(bx)).toEqual([expect.stringMatching(/: boundary\.x\.values\[1\]: .* has rows of 6 at j = 0, k = 6 /)]);
    // a fixed value the cause
    const bf = claimText({ search: base, boundary: 'x: { var: k, values: [5] }\nmetric: lossT\nfixed: { j: 1 }' });
    expect(load(bf)).toEqual([expect.stringMatching(/: boundary\.fixed\.j: .* has rows of 6 at j = 1, k = 5 /)]);
  });

  it('a width that is not a positive integer at a point of the space: invalid at that parameter, naming the value and the variables', () => {
    const s = search('{ k: { grid: [4, 5] } }', '{ block: isotropic-gaussian, n: 4, d: "k / 2" }', '{ block: linear, d: 2 }');
    expect(errors(s)).toEqual([
      `${at(claimWithSearch(s), '"k / 2"')}: search.data.d: data block "isotropic-gaussian" has rows of 2.5 numbers at k = 5: a row's width must be a positive integer`,
    ]);
    const m = search('{ k: { grid: [4, 5] } }', '{ block: isotropic-gaussian, n: 4, d: 2 }', '{ block: linear, d: "2 + (k == 5) / 2" }');
    expect(errors(m)).toEqual([expect.stringContaining('search.model.d: model block "linear" reads data rows of 2.5 numbers at k = 5: a row\'s width must be a positive integer')]);
  });
});
