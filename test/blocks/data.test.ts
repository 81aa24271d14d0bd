// Data blocks (src/blocks/data.ts) in trials: matrix-completion entries checked at validation
// (outside the matrix) and per trial (observed twice), and explicit-vector data, one row per
// output, with a model block whose input size validation compares with the data's rows.
import { describe, expect, it } from 'vitest';
import { loadClaimText } from '../../src/claims/load.js';
import { runTrial } from '../../src/search/trial.js';
import { C3_SEARCH, claimText, claimWithSearch, searchFixture } from '../helpers.js';

const spec = (search: string) => searchFixture(search);

describe('matrix-completion data', () => {
  it('rejects entries outside the matrix at validation, and entries observed twice per trial', () => {
    const out = loadClaimText('t.yaml', claimWithSearch(C3_SEARCH.replace('[2, 2, 0]]', '[3, 2, 0]]')), 't');
    expect(!out.ok && out.errors.map((e) => `${e.path}: ${e.message}`)).toEqual([
      'search.data.observed[2]: data block "matrix-completion": entry (3, 2) is outside the 2×2 matrix',
    ]);
    const twice = runTrial(spec(C3_SEARCH.replace('[2, 2, 0]]', '[2, 1, 0]]')), { L: 3, alpha: 0.1, seed: 1 });
    expect(twice.message).toMatch(/observed twice/);
  });
});

describe('relu-net on explicit-vector data', () => {
  it('explicit-vector data expand each input into one row per output, and the model checks the shapes', () => {
    const text = claimText({
      id: 't.x',
      title: 'x',
      search: `trials: 1\nspace: { a: { grid: [1] } }\ndata: { block: explicit-vector, inputs: [[3, 4], [1, 0]], targets: [[1, 0], [0, 1]], normalize: true }\nmodel: { block: relu-net, sizes: [2, 3, 2], scale: 0.1 }\nmetrics:\n  lossT: { block: loss }\nproperty: 'lossT >= 0'`,
    });
    const r = loadClaimText('x.yaml', text, 't');
    if (!r.ok) throw new Error(JSON.stringify(r.errors));
    expect(runTrial(r.claim.search!, { a: 1, seed: 1 }).status).toBe('error'); // a metric 'loss' without a loss block: said, not crashed
    const bad = loadClaimText('x.yaml', text.replace('sizes: [2, 3, 2]', 'sizes: [3, 3, 2]'), 't');
    expect(!bad.ok && bad.errors.map((e) => `${e.path}: ${e.message}`)).toEqual([
      'search.model: model block "relu-net" reads data rows of 5 numbers, but data block "explicit-vector" has rows of 4',
    ]);
  });
});
