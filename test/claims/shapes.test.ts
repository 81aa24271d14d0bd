// Row widths over the search space (issue 22): a data/model width mismatch at some point of a grid
// is invalid at validation, at the model's file:line:column, naming both widths and the variables'
// values there; widths from continuous variables are checked at the range's ends.
import { describe, expect, it } from 'vitest';
import { formatError, loadClaimText } from '../../src/claims/load.js';
import { claimWithSearch } from '../helpers.js';

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

  it('a continuous variable: checked at the ends of its range where the width is an integer there, else left to the trial', () => {
    const bad = search('{ x: { range: [2, 3], step: 0.5 } }', '{ block: isotropic-gaussian, n: 4, d: x }', '{ block: linear, d: 2 }');
    expect(errors(bad)).toEqual([expect.stringContaining('reads data rows of 2 numbers, but data block "isotropic-gaussian" has rows of 3 at x = 3')]);
    expect(errors(search('{ x: { range: [2.5, 3.5], step: 0.5 } }', '{ block: isotropic-gaussian, n: 4, d: x }', '{ block: linear, d: 2 }'))).toEqual([]);
  });

  it('at the full scale, the mismatch is reported there', () => {
    const s = `${search('{ k: { grid: [5] } }', '{ block: isotropic-gaussian, n: 4, d: k }', '{ block: linear, d: 5 }')}\nfull: { space: { k: { grid: [5, 6] } } }`;
    expect(errors(s)).toEqual([expect.stringContaining('has rows of 6 at k = 6 (at the full scale, run --full)')]);
  });
});
