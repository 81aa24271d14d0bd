// Data blocks (src/blocks/data.ts) in trials: matrix-completion entries checked per trial, and
// explicit-vector data, one row per output, with a model block that checks the shapes.
import { describe, expect, it } from 'vitest';
import { loadClaimText } from '../../src/claims/load.js';
import { runTrial } from '../../src/search/trial.js';
import { C3_SEARCH, claimText, searchFixture } from '../helpers.js';

const spec = (search: string) => searchFixture(search);

describe('matrix-completion data', () => {
  it('rejects entries outside the matrix and entries observed twice, per trial', () => {
    const out = runTrial(spec(C3_SEARCH.replace('[2, 2, 0]]', '[3, 2, 0]]')), { L: 3, alpha: 0.1, seed: 1 });
    expect(out.status).toBe('error');
    expect(out.message).toMatch(/outside the 2×2 matrix/);
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
    if (!bad.ok) throw new Error('valid file');
    const t = runTrial(bad.claim.search!, { a: 1, seed: 1 });
    expect(t.status).toBe('error');
    expect(t.message).toMatch(/need data rows of 5 entries/);
  });
});
