// normalized-flow runs the flow of the exponential loss: another loss is a validation error at the
// dynamics block (the blocks' static check sees the other stages' blocks), not a per-trial error.
import { describe, expect, it } from 'vitest';
import { loadClaimText } from '../../src/claims/load.js';
import { claimWithSearch } from '../helpers.js';

const search = (loss: string) => `trials: 2
space: { a: { grid: [1] } }
data: { block: isotropic-gaussian, n: 4, d: 2 }
model: { block: two-layer, d: 2, width: 2, w_scale: 1 }
loss: { block: ${loss} }
dynamics: { block: normalized-flow, steps: 3, eta: 0.1 }
metrics: { s: { block: loss } }
property: 's >= 0'`;

describe('normalized-flow needs the exponential loss', () => {
  it('a square loss is a validation error at search.dynamics.block, with its line', () => {
    const text = claimWithSearch(search('square'));
    const r = loadClaimText('t.yaml', text, 't');
    expect(r.ok).toBe(false);
    const e = r.ok ? undefined : r.errors.find((x) => x.path === 'search.dynamics.block');
    expect(e?.message).toBe(
      'dynamics block "normalized-flow": it is the flow of the exponential loss, but the claim\'s loss is "square" (use loss: { block: exponential })',
    );
    expect(e?.line).toBe(text.split('\n').findIndex((l) => l.includes('normalized-flow')) + 1);
  });

  it('the exponential loss validates', () => {
    expect(loadClaimText('t.yaml', claimWithSearch(search('exponential')), 't').ok).toBe(true);
  });
});
