import { describe, expect, it } from 'vitest';
import { guidanceScores } from '../../src/search/search.js';
import type { TrialResult } from '../../src/search/trial.js';

const trial = (rho: number, parts?: number[]): TrialResult => ({
  status: rho >= 0 ? 'pass' : 'fail',
  values: { seed: 0 },
  quantities: {},
  hypotheses: {},
  property: { holds: rho >= 0, robustness: rho, ...(parts ? { parts } : {}) },
  ms: 0,
});

describe('guidance scores of the guided phase', () => {
  it('are ρ itself for a property with one conjunct', () => {
    expect(guidanceScores([trial(0.3), trial(0.1)])).toEqual([0.3, 0.1]);
  });

  it('let a conjunct that moves rank the trials when another, constant one sets ρ everywhere', () => {
    // ρ = min(5e-4, b): flat at 5e-4, yet the second conjunct falls from 0.9 to 0.01 towards failing
    const rs = [trial(5e-4, [5e-4, 0.9]), trial(5e-4, [5e-4, 0.3]), trial(5e-4, [5e-4, 0.01])];
    const s = guidanceScores(rs) as number[];
    expect(s[2]).toBeLessThan(s[1]);
    expect(s[1]).toBeLessThan(s[0]);
    expect(s.every((x) => x >= 0)).toBe(true);
  });

  it('keep a failing trial negative and leave out-of-regime trials without a score', () => {
    const out: TrialResult = { ...trial(1), status: 'out-of-regime', property: undefined };
    const s = guidanceScores([trial(0.5, [0.5, 0.6]), trial(-0.1, [-0.1, 0.7]), out]);
    expect(s[1]).toBeLessThan(0);
    expect(s[2]).toBeUndefined();
  });
});
