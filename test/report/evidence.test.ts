// The Evidence section in words: the failure-rate bound is over the random phase's trials only,
// repeated computations are said, and the tightness is read from the tightest trial's two sides.
import { describe, expect, it } from 'vitest';
import type { Report } from '../../src/report/model.js';
import evidence from '../../src/report/sections/evidence.js';
import type { ClaimResult } from '../../src/runner.js';
import type { Evidence } from '../../src/search/search.js';

const EVIDENCE: Evidence = {
  inRegime: 17,
  randomInRegime: 10,
  failureRateBound: 1 - 0.05 ** (1 / 10),
  repeated: 3,
  phases: { cover: 6, random: 10, guided: 4 },
  design: 'each-value',
  coverage: { gamma: { run: 2, of: 3, values: [1, 2], missed: [5] } },
  tightness: {
    rho: 0.0221,
    values: { gamma: 2, seed: 5 },
    sides: { lhs: -0.20905, op: '<', rhs: -0.2 },
    trial: 12,
    phase: 'guided',
    replay: 'npx claimcheck replay t.x --values gamma=2,seed=5',
    trace: [
      { trial: 1, rho: 0.4 },
      { trial: 12, rho: 0.0221 },
    ],
  },
};

function render(e: Evidence): { html: string; md: string } {
  const c = { id: 't.x', verdict: 'holds', search: { verdict: 'holds', evidence: e } } as unknown as ClaimResult;
  const shown = evidence(c, {} as Report)!;
  return { html: shown.html({ svgs: {} })!, md: shown.markdown().join('\n') };
}

describe('the Evidence section', () => {
  it('reads the tightness from the two sides: a bound moved by |lhs − rhs| fails, relative to the right-hand side', () => {
    const { html, md } = render(EVIDENCE);
    const words =
      'the two sides differ by |lhs − rhs| = 0.00905, i.e. a bound moved by 0.00905 (4.525 % of the right-hand side) would have failed at this trial';
    expect(md).toContain(words);
    expect(html).toContain(words);
    expect(html).toContain('<code>-0.20905 &lt; -0.2</code>');
    expect(md).not.toMatch(/tighter by about/);
  });

  it('says that ρ is no sensitivity for a sign comparison, and gives the non-zero side', () => {
    const sign = { ...EVIDENCE, tightness: { ...EVIDENCE.tightness!, rho: 1, sides: { lhs: 3.5, op: '>', rhs: 0, conjunct: 'det > 0' } } };
    const { html, md } = render(sign);
    for (const text of [html, md]) {
      expect(text).toContain('a sign comparison (one side is 0), so ρ is not a sensitivity there; its non-zero side at this trial is 3.5');
      expect(text).not.toContain('differ by');
    }
  });

  it('gives the failure-rate bound over the random phase’s in-regime trials, and the repeated computations', () => {
    const { html, md } = render(EVIDENCE);
    for (const text of [html, md]) {
      expect(text).toContain('17 distinct in-regime trials (no computation counted twice); trials run: 6 covering design, 10 random phase, 4 guided phase');
      expect(text).toMatch(
        /: 0\.258866 \(1 − 0\.05\^[({]1\/n[)}], n = 10 distinct in-regime random-phase trials, all passed; covering and guided trials are chosen, not drawn/,
      );
      expect(text).toContain('3 trial(s) repeated an earlier computation');
    }
    expect(html).toContain('values run in regime per variable');
    expect(md).toContain('- values of gamma run in regime: 1, 2 — never run: 5 (2 of 3)');
    const none = render({ ...EVIDENCE, randomInRegime: 0, failureRateBound: 1, repeated: undefined });
    expect(none.md).toContain('no failure-rate bound: no random-phase trial ran in regime');
    expect(none.md).not.toContain('repeated');
  });
});
