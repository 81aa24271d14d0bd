// The hand-written refutation targets that only drop a premise of a true claim (`drops_premise`)
// are checks of hypothesis ablation: ablating that premise of that claim must find it needed.
import { afterAll, describe, expect, it } from 'vitest';
import { loadClaims } from '../../src/claims/load.js';
import { ablatePremise } from '../../src/search/ablation.js';
import { createPool } from '../../src/search/pool.js';
import { CLAIMS_DIR } from '../helpers.js';

const ok = loadClaims([CLAIMS_DIR]).claims.flatMap((c) => (c.ok ? [c.claim] : []));
const byId = new Map(ok.map((c) => [c.id, c]));
const pool = createPool(2);
afterAll(() => pool.close());

describe('hypothesis ablation agrees with the refutation targets that drop a premise', () => {
  for (const target of ok.filter((c) => c.drops_premise)) {
    const [id, premise] = target.drops_premise!.split('#');
    it(`${id} without ${premise} is refuted, as ${target.id} says`, { timeout: 600_000 }, async () => {
      const a = await ablatePremise(byId.get(id)!.search!, premise, { claimId: id, runner: pool });
      expect(a.outcome, a.reason).toBe('needed');
      // a frequency claim is refuted by a rate, not by one trial: it has no witness to replay
      if (byId.get(id)!.search!.frequency) expect(a.witness).toBeUndefined();
      else expect(a.witness?.replay).toContain(`--drop ${premise}`);
    });
  }
});
