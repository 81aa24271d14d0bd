// Every claim in claims/ at its CI size: the verdict must match what the claim file says the paper
// asserts. Refutation targets must be refuted with a genuine witness that replays.
import { afterAll, describe, expect, it } from 'vitest';
import { loadClaims } from '../../src/claims/load.js';
import { checkClaim, type ClaimResult } from '../../src/runner.js';
import { createPool, withPriority } from '../../src/search/pool.js';
import { runSearch, valuesAtPath } from '../../src/search/search.js';
import { runTrial } from '../../src/search/trial.js';
import { CLAIMS_DIR } from '../helpers.js';

const { claims } = loadClaims([CLAIMS_DIR]);
const pool = createPool(2);
afterAll(() => pool.close());

// The claims whose tests will run (all, or those a `-t` filter selects) are checked concurrently from the
// first such test on, claim k's tasks before claim k+1's (withPriority), so the workers never idle while
// one claim is in a sequential phase; each test awaits its own claim.
// verdicts come from the symbolic steps and the search; boundary maps and trajectory plots are
// pictures (their code is tested in test/search/boundary.test.ts and trajectory.test.ts), so not re-drawn here
const testName = (c: (typeof claims)[number] & { ok: true }) => `${c.claim.id}: ${c.claim.expect}`;
let checked: Array<Promise<ClaimResult> | undefined> | undefined;
function startSelected(tests: Array<{ name: string; mode: string }>): Array<Promise<ClaimResult> | undefined> {
  const selected = new Set(tests.filter((t) => t.mode === 'run').map((t) => t.name));
  return claims.map((c, k) => (c.ok && selected.has(testName(c)) ? withPriority(k, () => checkClaim(c, { runner: pool, boundary: false })) : undefined));
}

describe('every claim file', () => {
  for (const [k, c] of claims.entries()) {
    if (!c.ok) {
      it(`${c.file} is valid`, () => expect(c.errors).toEqual([]));
      continue;
    }
    it(testName(c), async ({ task }) => {
      checked ??= startSelected(task.suite?.tasks ?? []);
      const r = await (checked[k] ?? checkClaim(c, { runner: pool, boundary: false }));
      expect(r.verdict, r.reason).toBe(c.claim.expect);
      if (c.claim.expect === 'refuted' && r.search?.frequency) {
        // a frequency claim is refuted by its whole sample: the re-run reproduces it exactly
        expect(r.search.frequency.outcome).toBe('below');
        const again = await runSearch(c.claim.search!, { claimId: c.claim.id, runner: pool });
        expect(again.frequency).toEqual(r.search.frequency);
      } else if (c.claim.expect === 'refuted' && r.search) {
        const w = r.search.witness!;
        expect(w, 'a refutation target must be refuted by its search').toBeDefined();
        expect(w.status).toBe('genuine');
        const again = runTrial(c.claim.search!, w.path !== undefined ? valuesAtPath(c.claim.search!, w.seed, w.path) : w.values);
        expect(again.status).toBe('fail');
        expect(again.quantities).toEqual(w.result.quantities);
      }
      if (c.claim.expect === 'holds' && r.search?.frequency) {
        expect(r.search.frequency.trials).toBeGreaterThanOrEqual(r.search.minInRegime);
        expect(r.search.frequency.outcome).not.toBe('below');
      } else if (c.claim.expect === 'holds' && r.search) expect(r.search.counts.pass).toBeGreaterThanOrEqual(r.search.minInRegime);
      // a search the vacuity check flags is no evidence unless the claim file says why it is meaningful all the same
      if (r.search?.evidence.vacuous)
        expect(c.claim.vacuity_ok, `vacuous? ${r.search.evidence.vacuous} (add vacuity_ok: "why" to the claim file, or fix it)`).toBeDefined();
    });
  }
  it('keeps a refutation target beside the true claims of each paper', () => {
    const byPaper = new Map<string, Set<string>>();
    for (const c of claims) if (c.ok) byPaper.set(c.paperKey, (byPaper.get(c.paperKey) ?? new Set()).add(c.claim.expect));
    for (const [paper, expects] of byPaper) expect(expects.has('refuted'), paper).toBe(true);
  });
});
