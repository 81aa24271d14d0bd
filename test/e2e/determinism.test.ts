// End to end: the built CLI run in a child process (test/e2e/ holds the whole-CLI runs).
// Reproducibility: the same claims and seeds give a byte-identical report.json apart from timings and
// the environment, whatever the number of worker threads (two runs, 1 and 2 workers, compared).
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, reportWithoutTimings, runCli } from '../helpers.js';

/** A witness with shrinking, a frequency claim with a sweep over seeds, symbolic steps, a histogram. */
const CLAIMS = [
  'frei2022.gaussian-srank-at-most-2',
  'timor2022.width2-usually-converges',
  'timor2022.c4-aligned-solution',
  'timor2022.experiment-stable-ranks',
];

function run(out: string, threads: number): string {
  rmSync(out, { recursive: true, force: true });
  runCli(['run', ...CLAIMS, '--out', out, '--threads', String(threads), '--no-cache'], { timeout: 280_000, check: true });
  return readFileSync(join(out, 'report.json'), 'utf8');
}

describe('reproducibility', () => {
  it('gives a byte-identical report.json (timings and environment aside) on a second run with another number of workers', () => {
    const a = run(join(ROOT, 'reports', 'determinism-a'), 2);
    const b = run(join(ROOT, 'reports', 'determinism-b'), 1);
    expect(a).not.toBe(b); // the timings do differ, so the comparison below is not vacuous
    expect(reportWithoutTimings(b)).toBe(reportWithoutTimings(a));
    const report = JSON.parse(a);
    expect(report.claims.map((c: { id: string }) => c.id).sort()).toEqual([...CLAIMS].sort());
    expect(report.claims.find((c: { id: string }) => c.id === CLAIMS[0]).search.witness.replay).toMatch(/--seed \d+ --path |--values /);
  }, 300_000);
});
