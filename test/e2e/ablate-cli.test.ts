// `claimcheck ablate` and `--drop` through the built CLI: the table in the report, the witness's
// replay without the premise, and a clear error for a premise the claim does not have.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { claimsFixture, claimWithSearch, runCli } from '../helpers.js';

const dir = claimsFixture({
  'premise.yaml': claimWithSearch(`
trials: 16
min_in_regime: 2
seed: 3
space: { m: { int: [1, 8] }, d: { int: [1, 8] } }
model: { block: two-layer, d: d, width: m, w_scale: 1, train_output: false }
metrics:
  srank: { block: stable-rank, layer: W, at: initial }
hypotheses:
  small: { when: 'm <= 2', role: premise }
property: 'srank <= 2'`),
});

describe('claimcheck ablate and --drop', () => {
  it('ablate reports the premise needed, with a witness whose replay runs without it', { timeout: 120_000 }, () => {
    const out = join(dir, 'out');
    const r = runCli(['ablate', dir, '--no-cache', '--threads', '2', '--out', out]);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/premise small: needed/);
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'));
    const [row] = report.claims[0].ablation;
    expect(row.outcome).toBe('needed');
    expect(readFileSync(join(out, 'report.md'), 'utf8')).toMatch(/\*\*Hypothesis ablation\*\*/);
    const replay = row.witness.replay.replace(/^npx claimcheck /, '').split(' ');
    const again = runCli([...replay, '--claims', dir]);
    expect(again.code, again.err).toBe(0);
    expect(again.out).toMatch(/without premise small/);
    expect(again.out).toMatch(/FALSE/);
  });

  it('refuses --drop of a name that is not a premise, before any work', () => {
    const r = runCli(['run', dir, '--drop', 'large', '--out', join(dir, 'x')]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--drop large: not a premise of this claim's search \(its premises: small\)/);
  });
});
