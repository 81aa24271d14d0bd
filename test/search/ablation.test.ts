import { earlyModeOf } from '../../src/claims/early-decision.js';
import { afterAll, describe, expect, it } from 'vitest';
import { ablatedSpec, runAblation } from '../../src/search/ablation.js';
import { createPool } from '../../src/search/pool.js';
import { runSearch } from '../../src/search/search.js';
import { searchFixture } from '../helpers.js';

const pool = createPool(2);
afterAll(() => pool.close());

// The stable rank of a Gaussian m×d matrix is at most min(m, d) and is above 2 for most m, d ≥ 3:
// "srank ≤ 2" holds exactly when the premise m ≤ 2 is kept.
const search = (hypotheses: string, property = 'srank <= 2', m = '{ int: [1, 8] }') => `
trials: 24
min_in_regime: 2
seed: 7
space: { m: ${m}, d: { int: [1, 8] } }
model: { block: two-layer, d: d, width: m, w_scale: 1, train_output: false }
metrics:
  srank: { block: stable-rank, layer: W, at: initial }
hypotheses:
${hypotheses}
property: '${property}'`;

const byPremise = (rows: Awaited<ReturnType<typeof runAblation>>) => Object.fromEntries(rows.map((r) => [r.premise, r]));

describe('hypothesis ablation', () => {
  it('finds a needed premise (with a witness outside it), a premise not needed in this space, and ignores validity filters', async () => {
    const spec = searchFixture(
      search(`  small: { when: 'm <= 2', role: premise }
  not_one: { when: 'm != 1', role: premise }
  sane: { when: 'srank >= 1', role: validity }
  untagged: 'd >= 1'`),
    );
    expect((await runSearch(spec, { claimId: 't', runner: pool })).verdict).toBe('holds');
    const rows = byPremise(await runAblation(spec, { claimId: 't', runner: pool }));
    expect(Object.keys(rows)).toEqual(['small', 'not_one']);
    expect(rows.small.outcome).toBe('needed');
    expect(rows.small.witness!.values.m).toBeGreaterThan(2);
    expect(rows.small.witness!.replay).toMatch(/ --drop small$/);
    expect(rows.not_one.outcome).toBe('not-needed');
    expect(rows.not_one.outside).toBeGreaterThan(0);
    expect(rows.not_one.outsideFailed).toBe(0);
  });

  it('calls a premise the space never leaves untestable, and needed once `widen` lets the space leave it', async () => {
    const narrow = searchFixture(search(`  small: { when: 'm <= 2', role: premise }`, 'srank <= 2', '{ int: [1, 2] }'));
    const [r] = await runAblation(narrow, { claimId: 't', runner: pool });
    expect(r.outcome).toBe('untestable');
    expect(r.outside).toBe(0);
    const widened = searchFixture(search(`  small: { when: 'm <= 2', role: premise, widen: { m: { int: [1, 8] } } }`, 'srank <= 2', '{ int: [1, 2] }'));
    expect(ablatedSpec(widened, 'small').space.m).toEqual({ int: [1, 8] });
    // a premise is judged on each trial's whole path: the ablated search never stops a trial early (its decider only observes)
    expect(earlyModeOf(ablatedSpec({ ...widened, early_decision: true }, 'small'))).toBe('observe');
    const [w] = await runAblation(widened, { claimId: 't', runner: pool });
    expect(w.outcome).toBe('needed');
  });

  it('says so when the search without a premise finds a counterexample that satisfies it: the claim itself fails', async () => {
    const spec = searchFixture(search(`  small: { when: 'm <= 2', role: premise }\n  not_three: { when: 'd != 3', role: premise }`, 'srank <= 1.2'));
    const rows = byPremise(await runAblation(spec, { claimId: 't', runner: pool }));
    expect(rows.not_three.outcome).toBe('claim-refuted');
  });

  it('refuses a widen on a non-premise or of an undeclared variable, with the path', () => {
    expect(() => searchFixture(search(`  small: { when: 'm <= 2', role: validity, widen: { m: { int: [1, 8] } } }`))).toThrow(/only a premise/);
    expect(() => searchFixture(search(`  small: { when: 'm <= 2', role: premise, widen: { q: { int: [1, 8] } } }`))).toThrow(
      /widen may change the domains of the space's variables only/,
    );
  });

  it('a frequency claim: a premise is needed only when trials outside it failed the event, else the claim itself fails', async () => {
    // the event m ≤ 4 over m ∈ 1..8: at least 90 % of trials under the premise m ≤ 4 (all of them), half without it
    const frequency = (premise: string) =>
      searchFixture(`${search(`  p: { when: '${premise}', role: premise }`, 'm <= 4').replace('trials: 24', 'trials: 40')}
frequency: { at_least: '0.9' }`);
    const needed = frequency('m <= 4');
    expect((await runSearch(needed, { claimId: 't', runner: pool })).verdict).toBe('holds');
    const [a] = await runAblation(needed, { claimId: 't', runner: pool });
    expect(a.outcome).toBe('needed');
    expect(a.outsideFailed).toBeGreaterThan(0);
    // under m ≥ 3 the event holds on 2 values of 6: the claim fails with its premise, and no trial outside it (m ≤ 2) fails the event
    const [b] = await runAblation(frequency('m >= 3'), { claimId: 't', runner: pool });
    expect(b.outside).toBeGreaterThan(0);
    expect(b.outsideFailed).toBe(0);
    expect(b.outcome).toBe('claim-refuted');
    expect(b.reason).toMatch(/^without this premise the frequency is below the bound, but no trial outside it failed the event/);
  });
  it('never blames the claim for a counterexample whose premise value is not finite, or that lies only in the widened space', async () => {
    const nan = searchFixture(search(`  small: { when: 'sqrt(2 - m) >= 0', role: premise }`));
    const [a] = await runAblation(nan, { claimId: 't', runner: pool });
    expect(a.outcome).toBe('untestable');
    expect(a.reason).toMatch(/non-finite value/);
    const widened = searchFixture(search(`  any: { when: 'm >= 1', role: premise, widen: { d: { int: [1, 16] } } }`, 'd <= 8', '{ int: [1, 2] }'));
    const [b] = await runAblation(widened, { claimId: 't', runner: pool });
    expect(b.outcome).toBe('untestable');
    expect(b.reason).toMatch(/outside the declared space \(d only in the widened one\)/);
  });
});
