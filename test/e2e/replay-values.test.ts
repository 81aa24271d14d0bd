// `replay --values`: a covering-design or guided witness is named by its values, and the CLI
// re-runs exactly that trial; malformed values are a usage error (exit 2), never a run.
import { describe, expect, it } from 'vitest';
import { loadClaims, type LoadedClaim } from '../../src/claims/load.js';
import { planTrials } from '../../src/search/phases.js';
import { replayValuesCommand } from '../../src/search/search.js';
import { runTrial } from '../../src/search/trial.js';
import { CLAIMS_DIR, runCli } from '../helpers.js';

const ID = 'frei2022.gaussian-srank-at-most-2';
const claim = loadClaims([CLAIMS_DIR]).claims.find((c) => c.ok && c.claim.id === ID) as LoadedClaim;

describe('replay --values', () => {
  it('re-runs the trial its values name (the report’s command, verbatim)', () => {
    const spec = claim.claim.search!;
    const values = planTrials(spec, spec.seed, 3).trials[1].values;
    const cmd = replayValuesCommand(ID, values).split(' ').slice(2); // drop "npx claimcheck"
    const r = runCli(cmd, { timeout: 120_000 });
    expect(r.code, r.err).toBe(0);
    const expected = runTrial(spec, values);
    expect(r.out).toContain(`status    ${expected.status}`);
    expect(r.out).toMatch(/by values/);
  });

  it('refuses values that do not name a trial of the space', () => {
    for (const bad of ['m=2', 'm=2,d=3,seed=1,zz=4', 'm=abc,d=3,seed=1', 'm=2,m=2,d=3,seed=1', 'm=-3,d=3,seed=1', 'm=2.5,d=3,seed=1', 'm=2,d=3,seed=1.5']) {
      const r = runCli(['replay', ID, '--values', bad], { timeout: 60_000 });
      expect(r.code, bad).toBe(2);
      expect(r.err + r.out).toMatch(/--values/);
    }
    expect(runCli(['replay', ID, '--values', 'm=2,d=3,seed=1', '--seed', '3'], { timeout: 60_000 }).code).toBe(2);
  });
});
