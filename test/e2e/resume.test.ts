// End to end: the built CLI run in a child process (test/e2e/ holds the whole-CLI runs).
// Faults mid-run: a run killed with SIGKILL at a random moment resumes from the trial journal and
// produces the same report.json (timings aside) as an uninterrupted run; a second re-run reuses
// every trial that cannot decide a verdict (fails and divergences are re-run: a journal never decides).
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLAIMS_DIR, FC_SEED, reportWithoutTimings, runCli, startCli } from '../helpers.js';

const CLAIMS = ['timor2022/width2-usually-converges.yaml', 'frei2022/gaussian-stable-rank-at-most-2.yaml', 'timor2022/experiment-stable-ranks.yaml'].map((f) =>
  join(CLAIMS_DIR, f),
);
const strip = (file: string) => reportWithoutTimings(readFileSync(file, 'utf8'));

function runSync(cwd: string, out: string, extra: string[] = []): string {
  return runCli(['run', ...CLAIMS, '--out', out, '--threads', '2', ...extra], { cwd, timeout: 200_000, check: true }).out;
}

const journalEntries = (cwd: string): { k: string; status: string }[] => {
  const f = join(cwd, '.cache', 'claimcheck', 'trials.jsonl');
  if (!existsSync(f)) return [];
  const entries: { k: string; status: string }[] = [];
  for (const line of readFileSync(f, 'utf8').split('\n').filter(Boolean)) {
    try {
      const x = JSON.parse(line);
      entries.push({ k: JSON.stringify(x.k), status: JSON.parse(x.r).result.status });
    } catch {
      // the line being written when the run was killed
    }
  }
  return entries;
};
const journalLines = (cwd: string) => journalEntries(cwd).length;
// trials a resumed run may take from the journal as they are: fails and divergences could decide a verdict
// and are re-run (the first claim is a frequency refutation, so most of its trials are fails)
const reusable = (cwd: string) =>
  new Set(
    journalEntries(cwd)
      .filter((e) => !['fail', 'diverged'].includes(e.status))
      .map((e) => e.k),
  ).size;

describe('kill and resume', () => {
  it('resumes a SIGKILLed run from the journal and writes the report an uninterrupted run writes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cc-resume-'));
    runSync(dir, join(dir, 'reference'), ['--no-cache']);
    expect(journalLines(dir)).toBe(0);

    // kill at a random moment after the first trials have been journaled (the moment is printed)
    const child = startCli(['run', ...CLAIMS, '--out', join(dir, 'killed'), '--threads', '2'], { cwd: dir });
    const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
    let alive = true;
    void exited.then(() => (alive = false));
    const extraMs = (FC_SEED * 7919) % 1500;
    const t0 = Date.now();
    while (alive && reusable(dir) < 5 && Date.now() - t0 < 120_000) await new Promise((r) => setTimeout(r, 50));
    await new Promise((r) => setTimeout(r, extraMs));
    const before = reusable(dir);
    child.kill('SIGKILL');
    await exited;
    console.log(
      `killed ${extraMs} ms after the journal held 5 reusable trials; ${journalLines(dir)} trials journaled, ${before} reusable; report written: ${existsSync(join(dir, 'killed', 'report.json'))}`,
    );
    expect(before).toBeGreaterThanOrEqual(5);

    const resumed = runSync(dir, join(dir, 'killed'));
    const reused = Number(/(\d+) reused/.exec(resumed)?.[1]);
    expect(reused).toBeGreaterThanOrEqual(5);
    expect(strip(join(dir, 'killed', 'report.json'))).toBe(strip(join(dir, 'reference', 'report.json')));
    const marked = JSON.parse(readFileSync(join(dir, 'killed', 'report.json'), 'utf8')).claims.reduce(
      (t: number, c: { search?: { reusedTrials: number } }) => t + (c.search?.reusedTrials ?? 0),
      0,
    );
    expect(marked, 'the report says which trials came from the journal').toBeGreaterThan(0);

    // everything is journaled now: a third run reuses every trial that cannot decide a verdict and re-runs
    // only those that could (fails, divergences: a journal never decides), plus at most the trials the pool
    // had already launched past the first counterexample, which depend on timing, not the report
    const deciding = new Set(
      readFileSync(join(dir, '.cache', 'claimcheck', 'trials.jsonl'), 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l))
        .filter((x) => ['fail', 'diverged'].includes(JSON.parse(x.r).result.status))
        .map((x) => x.k),
    ).size;
    const again = runSync(dir, join(dir, 'again'));
    expect(Number(/Trials: (\d+) run/.exec(again)?.[1])).toBeLessThanOrEqual(deciding + 4);
    expect(Number(/(\d+) reused/.exec(again)?.[1])).toBeGreaterThan(0);
    expect(strip(join(dir, 'again', 'report.json'))).toBe(strip(join(dir, 'reference', 'report.json')));
  }, 300_000);
});
