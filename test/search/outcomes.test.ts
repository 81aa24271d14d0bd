// Typed outcomes between pool, journal and checker (#16): what is journaled and what counts as reused
// is decided by typed fields, never by message text; those fields stay out of the report's objects.
import { describe, expect, it } from 'vitest';
import { symbolicStepSchema } from '../../src/claims/schema.js';
import { journaledRunner, openJournal } from '../../src/search/journal.js';
import { inlineRunner, type TrialOutcome, type TrialRunner } from '../../src/search/pool.js';
import { describeFinding, findingVerdict, runSearch, type SearchFinding } from '../../src/search/search.js';
import type { TrialResult } from '../../src/search/trial.js';
import { stepNotChecked, type StepOutcome } from '../../src/symbolic/check.js';
import { combineVerdict, describeStability, stabilityOf } from '../../src/runner.js';
import { searchFixture } from '../helpers.js';

const spec = searchFixture(`trials: 6
min_in_regime: 1
space: { m: { grid: [2] } }
model: { block: two-layer, d: 2, width: m, w_scale: 1 }
metrics: { w: { block: layer-entry, layer: W, col: 0 } }
property: 'w == w'`);
const step = symbolicStepSchema.parse({ id: 'sq', kind: 'identity', lhs: '(x+1)^2', rhs: 'x^2 + 2*x + 1', variables: { x: [-2, 2] } });

/** A runner whose trials answer with the given outcome shape; counts its calls. */
function scripted(shape: (r: TrialResult) => TrialOutcome, stepOutcome?: StepOutcome) {
  const inner = inlineRunner();
  const calls = { trials: 0, steps: 0 };
  const runner: TrialRunner = {
    ...inner,
    trial: async (...a) => (calls.trials++, shape((await inner.trial(...a)).result)),
    run: async (...a) => (calls.trials++, shape((await inner.trial(...a)).result).result),
    step: async (s, seed) => (calls.steps++, stepOutcome ?? (await inner.step(s, seed))),
  };
  return { runner, calls };
}

describe('trial outcomes', () => {
  it('a retried trial is not journaled, whatever its message says; a clean one is, and comes back marked reused as a copy', async () => {
    const retried = scripted((r) => ({ result: r, retriedAfter: 'exit 70' }));
    const j1 = journaledRunner(retried.runner, openJournal(undefined, 'e'), openJournal(undefined, 'e'));
    await j1.trial(spec, { m: 2, seed: 1 }, 1000);
    const again = await j1.trial(spec, { m: 2, seed: 1 }, 1000);
    expect(retried.calls.trials).toBe(2);
    expect(again.reused).toBeFalsy();

    const clean = scripted((r) => ({ result: { ...r, message: 'worker died (only words)' } }));
    const j2 = journaledRunner(clean.runner, openJournal(undefined, 'e'), openJournal(undefined, 'e'));
    const first = await j2.trial(spec, { m: 2, seed: 1 }, 1000);
    const second = await j2.trial(spec, { m: 2, seed: 1 }, 1000);
    expect(clean.calls.trials, 'the message text no longer decides').toBe(1);
    expect([first.reused, second.reused]).toEqual([undefined, true]);
    expect(second.result).toEqual(first.result);
    expect(second.result).not.toBe(first.result);
    for (const r of [first.result, second.result]) expect(Object.getOwnPropertyNames(r)).not.toContain('reused');
  });

  it('timeouts and errors are never journaled (typed status)', async () => {
    const s = scripted((r) => ({ result: { ...r, status: 'timeout' } }));
    const j = journaledRunner(s.runner, openJournal(undefined, 'e'), openJournal(undefined, 'e'));
    await j.trial(spec, { m: 2, seed: 1 }, 1000);
    await j.trial(spec, { m: 2, seed: 1 }, 1000);
    expect(s.calls.trials).toBe(2);
  });

  it('the search counts reused trials from the typed field, and its result is the same either way', async () => {
    const s = scripted((r) => ({ result: r }));
    const j = journaledRunner(s.runner, openJournal(undefined, 'e'), openJournal(undefined, 'e'));
    const a = await runSearch(spec, { claimId: 't', runner: j });
    const b = await runSearch(spec, { claimId: 't', runner: j });
    expect([a.reusedTrials, b.reusedTrials]).toEqual([0, a.trialsRun]);
    const blank = (x: object) => JSON.stringify(x, (k, v) => (['ms', 'trialsPerSecond', 'workerMs', 'reusedTrials'].includes(k) ? 0 : v));
    expect(blank(b)).toBe(blank(a));
  });
});

describe('step outcomes', () => {
  it('a not-checked step is not journaled; its result is the error the report shows', async () => {
    const notChecked = stepNotChecked(step, 1, { kind: 'worker-failed', error: 'boom' });
    expect(notChecked.result).toMatchObject({ verdict: 'error', message: 'not checked: its worker failed (boom)', cases: [] });
    expect(Object.keys(notChecked.result)).not.toContain('status');
    const s = scripted((r) => ({ result: r }), notChecked);
    const j = journaledRunner(s.runner, openJournal(undefined, 'e'), openJournal(undefined, 'e'));
    await j.step(step, 1);
    await j.step(step, 1);
    expect(s.calls.steps).toBe(2);
  });

  it('a checked step is journaled whatever its verdict or message (a CAS error is deterministic)', async () => {
    const checked: StepOutcome = {
      status: 'checked',
      result: { ...(await inlineRunner().step(step, 1)).result, verdict: 'error', message: 'not checked: only words' },
    };
    const s = scripted((r) => ({ result: r }), checked);
    const j = journaledRunner(s.runner, openJournal(undefined, 'e'), openJournal(undefined, 'e'));
    await j.step(step, 1);
    expect((await j.step(step, 1)).result).toBe(checked.result);
    expect(s.calls.steps).toBe(1);
  });
});

describe('verdict reasons from typed structures', () => {
  it('put each search finding into the report’s words', () => {
    const cases: Array<[SearchFinding, string, string]> = [
      [
        { kind: 'counterexample', status: 'genuine', trial: 3, of: 40, shrinks: 2, phase: 'cover' },
        'refuted',
        'counterexample (genuine) found at trial 3 of 40 (covering design), shrunk 2 time(s)',
      ],
      [{ kind: 'troubled', troubled: 2, others: 8 }, 'inconclusive', '2 trial(s) diverged, timed out or failed to run; no counterexample among the other 8'],
      [{ kind: 'too-few-in-regime', inRegime: 1, judged: 10, needed: 3 }, 'inconclusive', 'only 1 of 10 trials were inside the hypotheses (at least 3 needed)'],
      [{ kind: 'no-counterexample', inRegime: 7, outOfRegime: 3 }, 'holds', 'no counterexample in 7 in-regime trials (3 out of regime)'],
      [
        { kind: 'no-counterexample', inRegime: 7, outOfRegime: 0, budgetStopped: { judged: 7, of: 20 } },
        'holds',
        'no counterexample in 7 in-regime trials (0 out of regime); stopped by the time budget after 7 of 20',
      ],
    ];
    for (const [f, verdict, text] of cases) {
      expect(findingVerdict(f)).toBe(verdict);
      expect(describeFinding(f)).toBe(text);
    }
  });

  it('combine steps and search as before', () => {
    const s = (id: string, verdict: 'verified' | 'refuted' | 'numeric-only' | 'error') => ({
      id,
      kind: 'identity' as const,
      verdict,
      cases: [],
      message: '',
      seed: 1,
    });
    const search = (verdict: 'holds' | 'refuted' | 'inconclusive', reason: string) => ({ verdict, reason }) as Parameters<typeof combineVerdict>[1];
    expect(combineVerdict([s('a', 'verified'), s('b', 'numeric-only')], search('holds', 'R'))).toEqual({
      verdict: 'holds',
      reason: '1/2 symbolic step(s) verified, 1 numeric-only; R',
    });
    expect(combineVerdict([], search('holds', 'R'))).toEqual({ verdict: 'holds', reason: 'R' });
    expect(combineVerdict([s('a', 'refuted'), s('b', 'error')], search('refuted', 'R'))).toEqual({
      verdict: 'refuted',
      reason: 'search: R; symbolic: a refuted',
    });
    expect(combineVerdict([s('a', 'error'), s('b', 'error')], search('holds', 'R'))).toEqual({
      verdict: 'inconclusive',
      reason: 'symbolic: a, b could not be checked',
    });
    expect(combineVerdict([s('a', 'verified')])).toEqual({ verdict: 'holds', reason: '1/1 symbolic step(s) verified' });
  });

  it('describe stability over run seeds', () => {
    const flip = stabilityOf([
      { seed: 1, verdict: 'holds' },
      { seed: 2, verdict: 'refuted' },
      { seed: 3, verdict: 'holds' },
    ]);
    expect(describeStability(flip, 'R')).toBe('the verdict flips between run seeds: holds under 1, 3; refuted under 2');
    expect(
      describeStability(
        stabilityOf([
          { seed: 4, verdict: 'holds' },
          { seed: 5, verdict: 'holds' },
        ]),
        'R',
      ),
    ).toBe('R; the same verdict under all 2 run seeds 4…5');
  });
});
