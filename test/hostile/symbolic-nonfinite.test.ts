// Issue #17 review, verdicts: a symbolic step whose sides are NaN or ±∞ at its sample points is not
// checked (verdict error, naming the point), never "points agree" and numeric-only or verified; a NaN
// from the 64-digit re-check never clears a float64 failure; the step journal never reuses such a
// step as checked.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { describe, expect, it, vi } from 'vitest';
import { loadClaimText } from '../../src/claims/load.js';
import type { SymbolicStep } from '../../src/claims/schema.js';
import { checkClaim } from '../../src/runner.js';
import { journaledRunner, openJournal } from '../../src/search/journal.js';
import { inlineRunner, type TrialRunner } from '../../src/search/pool.js';
import { checkStep, type StepOutcome } from '../../src/symbolic/check.js';
import { claimText } from '../helpers.js';

// the 64-digit re-check, made to answer NaN when a test asks for it
const big = vi.hoisted(() => ({ nan: false }));
vi.mock('../../src/symbolic/cas.js', async (original) => {
  const m = await original<typeof import('../../src/symbolic/cas.js')>();
  return { ...m, evaluateBig: (...a: Parameters<typeof m.evaluateBig>) => (big.nan ? 'NaN' : m.evaluateBig(...a)) };
});

const stepYaml = (body: string) => `- id: s\n  ${body.replace(/\n/g, '\n  ')}\n  variables: { x: [1, 2] }`;
function loaded(body: string) {
  const r = loadClaimText('t.yaml', claimText({ symbolic: stepYaml(body) }), 't');
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  return r;
}
const step = (body: string): SymbolicStep => loaded(body).claim.symbolic[0];

const SQRT = "kind: inequality\nlhs: 'sqrt(-x)'\nrelation: '<='\nrhs: '0'";
const LOG = "kind: identity\nlhs: 'log(-x)'\nrhs: 'x'";

describe('a side that is not finite at a sample point leaves the step not checked', () => {
  it('sqrt(-x) <= 0 on x ∈ [1, 2] is error, naming the point, not numeric-only', () => {
    const r = checkStep(step(SQRT), 1);
    expect(r.verdict).toBe('error');
    expect(r.cases[0].nonFinite?.side).toBe('lhs');
    expect(Number.isNaN(r.cases[0].nonFinite?.value)).toBe(true);
    const x = r.cases[0].nonFinite!.point.x;
    expect(x >= 1 && x <= 2).toBe(true);
    expect(r.message).toMatch(/^all: not checked \(non-finite\): lhs = NaN at x=\d\.\d+ \(a step is checked only where both sides are finite numbers/);
    expect(r.message).not.toMatch(/agree/);
    // a finite step is still checked
    expect(checkStep(step("kind: inequality\nlhs: 'x^2'\nrelation: '>='\nrhs: '0'\ncertificate: 'x^2'"), 1).verdict).toBe('verified');
  });

  it('log(-x) = x on x ∈ [1, 2] is error, not numeric-only', () => {
    const r = checkStep(step(LOG), 1);
    expect(r.verdict).toBe('error');
    expect(r.message).toMatch(/not checked \(non-finite\): lhs = NaN at x=/);
  });

  it('an infinite side (1/(x - x) = 1/(x - x)) is error, even though the CAS reduces it to 0', () => {
    const r = checkStep(step("kind: identity\nlhs: '1/(x - x)'\nrhs: '1/(x - x)'"), 1);
    expect(r.verdict).toBe('error');
    expect(r.cases[0].nonFinite?.value).toBe(Infinity);
  });

  it('a claim resting on either step does not hold', async () => {
    for (const body of [SQRT, LOG]) {
      const r = await checkClaim(loaded(body), { runner: inlineRunner() });
      expect(r.verdict).not.toBe('holds');
      expect(r.symbolic[0].verdict).toBe('error');
    }
  });
});

describe('the 64-digit re-check', () => {
  it('a NaN from it never clears a float64 failure', () => {
    big.nan = true;
    try {
      const r = checkStep(step("kind: identity\nlhs: 'x'\nrhs: 'x + 0.001'"), 1);
      expect(r.verdict).toBe('refuted');
      expect(r.cases[0].numeric.worst?.bigDifference).toBe('NaN');
    } finally {
      big.nan = false;
    }
  });
});

describe('the step journal', () => {
  const ENGINE = 'f'.repeat(64);
  const quiet = { secret: randomBytes(32), warn: () => {} };
  const counting = (outcome: (s: SymbolicStep, seed: number) => StepOutcome) => {
    const calls = { n: 0 };
    const runner: TrialRunner = {
      ...inlineRunner(),
      step: async (s, seed) => (calls.n++, outcome(s, seed)),
    };
    return { runner, calls };
  };

  it('never reuses a numeric-only step whose check met a non-finite value; a step checked at finite points is reused', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'cc-step-journal-')), 'steps.jsonl');
    const s = step(LOG);
    const good = step("kind: identity\nlhs: 'x'\nrhs: 'x'");
    // a numeric-only outcome with a NaN error (as the old engine produced), journaled under a valid MAC
    const forgedish = (st: SymbolicStep, seed: number): StepOutcome => {
      const r = checkStep(st, seed);
      if (st === good) return { status: 'checked', result: r };
      return {
        status: 'checked',
        result: {
          ...r,
          verdict: 'numeric-only',
          cases: r.cases.map((c) => ({ ...c, verdict: 'numeric-only', nonFinite: undefined, numeric: { ...c.numeric, maxError: NaN } })),
        },
      };
    };
    const first = counting(forgedish);
    const j1 = openJournal(file, ENGINE, quiet);
    const r1 = journaledRunner(first.runner, openJournal(undefined, ENGINE, quiet), j1);
    await r1.step(s, 1);
    await r1.step(good, 1);
    expect(first.calls.n).toBe(2);

    const second = counting((st, seed) => ({ status: 'checked', result: checkStep(st, seed) }));
    const r2 = journaledRunner(second.runner, openJournal(undefined, ENGINE, quiet), openJournal(file, ENGINE, quiet));
    const again = await r2.step(s, 1);
    expect(second.calls.n).toBe(1);
    expect(again.result.verdict).toBe('error');
    // the control: the finite step's journaled result was reused (the inner runner not called again)
    await r2.step(good, 1);
    expect(second.calls.n).toBe(1);
  });
});
