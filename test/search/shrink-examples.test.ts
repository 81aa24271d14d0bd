import { describe, expect, it } from 'vitest';
import { inlineRunner } from '../../src/search/pool.js';
import { runSearch } from '../../src/search/search.js';
import { runTrial } from '../../src/search/trial.js';
import { searchFixture } from '../helpers.js';

// A witness found by the covering design or the guided phase is shrunk from its values (given to
// fast-check as an example), as a random-phase witness is from its path.
describe('shrinking a witness that was not drawn by fast-check', () => {
  it('shrinks a covering-design witness of "a < 10" over 0..100 to a = 10', async () => {
    const spec = searchFixture(`trials: 8
seed: 3
space: { a: { int: [0, 100] } }
model: { block: two-layer, d: 1, width: 1, w_scale: 1, train_output: false }
metrics:
  srank: { block: stable-rank, layer: W, at: initial }
property: 'a < 10'`);
    const r = await runSearch(spec, { claimId: 't', runner: inlineRunner() });
    expect(r.verdict).toBe('refuted');
    const w = r.witness!;
    expect(w.phase).toBe('cover');
    expect(w.original.values.a).toBeGreaterThan(10);
    expect(w.numShrinks).toBeGreaterThan(0);
    expect(w.values.a).toBe(10);
    expect(w.result.status).toBe('fail');
    expect(runTrial(spec, w.values).status).toBe('fail');
  });
});
