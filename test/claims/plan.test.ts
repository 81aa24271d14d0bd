import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { planSearch } from '../../src/claims/plan.js';
import { loadClaimText } from '../../src/claims/load.js';
import { loadClaims } from '../../src/claims/load.js';
import { executeTrial } from '../../src/search/trial.js';
import { sampleSpace } from '../../src/search/space.js';
import { CLAIMS_DIR, claimWithSearch, fcRuns, searchFixture } from '../helpers.js';

// A search that defines a name of every origin: seed, space, data statistics, metrics, a variant, lets.
const EVERY_ORIGIN = `trials: 2
space: { m: { int: [2, 3] }, eta: { grid: [0.01, 0.02] } }
data: { block: isotropic-gaussian, n: 4, d: 3, labels: gaussian }
model: { block: two-layer, d: 3, width: m, w_scale: 1 }
loss: { block: square }
dynamics: { block: gradient-descent, steps: 20, eta: eta }
metrics: { lossT: { block: loss }, srank: { block: stable-rank, layer: W } }
variants: { slow: { eta: eta / 2 } }
let: { ratio: lossT_slow / lossT, twice: 2 * ratio }
hypotheses: { small: 'eta < 1' }
property: 'srank >= 1 and lossT >= 0'`;

describe('the compiled search plan', () => {
  it('defines at run time exactly the names the validator accepts, in the order it lists them', () => {
    const plan = planSearch(searchFixture(EVERY_ORIGIN));
    const { result, scope } = executeTrial(plan, sampleSpace(plan.spec.space, 1, 1)[0]);
    expect(result.status).toBe('pass');
    // own names, the lazy statistics (separable: not enumerable until read) included
    expect(Object.getOwnPropertyNames(scope).sort()).toEqual(plan.names.map((n) => n.name).sort());
    expect(plan.names.map((n) => n.origin)).toEqual([
      'seed', 'space', 'space',
      ...Array(11).fill('data'), // 9 statistics, n and d
      'metric', 'metric',
      ...Array(11).fill('variant'), // the 2 metrics and the 9 statistics under the variant
      'let', 'let',
    ]);
  });

  it('every real claim compiles to a plan whose names cover its expressions', () => {
    const { claims } = loadClaims([CLAIMS_DIR]);
    let searched = 0;
    for (const c of claims) {
      if (!c.ok || !c.claim.search) continue;
      const plan = planSearch(c.claim.search);
      const names = new Set(plan.names.map((n) => n.name));
      for (const s of plan.property.symbols) expect(names.has(s), `${c.claim.id}: ${s}`).toBe(true);
      searched++;
    }
    expect(searched).toBeGreaterThan(50);
  });

  // A let may use a name only once it is defined; whatever the validator accepts evaluates at run time, and whatever it rejects would not.
  it('a let expression validates exactly when the trial can evaluate it', () => {
    const pool = ['seed', 'm', 'eta', 'n', 'd', 'Rmax', 'lossT', 'srank', 'lossT_slow', 'Rmin_slow', 'ratio', 'later', 'nosuch', 'n_slow'];
    fc.assert(
      fc.property(fc.subarray(pool, { minLength: 1, maxLength: 3 }), (names) => {
        const expr = names.join(' + ');
        const search = EVERY_ORIGIN.replace('let: { ratio: lossT_slow / lossT, twice: 2 * ratio }', `let: { ratio: lossT_slow / lossT, probe: '${expr}', later: '1' }`);
        const loaded = loadClaimText('t.yaml', claimWithSearch(search), 't');
        const plan = loaded.ok ? planSearch(loaded.claim.search!) : planSearch(searchFixture(EVERY_ORIGIN));
        const { result, scope } = executeTrial(plan, sampleSpace(plan.spec.space, 1, 1)[0]);
        if (loaded.ok) {
          expect(result.status).not.toBe('error');
          expect(Number.isNaN(scope.probe)).toBe(false);
        } else {
          // rejected: some name is not defined before the let, at run time either
          const defined = Object.keys(scope);
          expect(names.some((n) => !defined.includes(n) || n === 'later')).toBe(true);
        }
      }),
      fcRuns(40),
    );
  });
});
