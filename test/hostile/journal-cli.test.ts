// The journal as a reviewer meets it (#17): `claimcheck run` in a clone whose .cache/ came with a pull
// request. Forged lines change no verdict, --trials 0 is not "holds", and a journal that cannot be
// written is one warning line, never a stack or exit 1. Runs the built CLI (dist/ must be current).
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { claimText, runCli } from '../helpers.js';

const SEARCH = (property: string) => `trials: 12
space: { x: { grid: [0, 1, 2, 3, 7] } }
model: { block: two-layer, d: 2, width: 1, w_scale: 1 }
metrics: { w: { block: layer-entry, layer: W, col: 0 } }
property: '${property}'`;

/** A clone: claims/tp with a refuted and a holding claim; the CLI runs with it as its working directory. */
function clone(): string {
  const dir = mkdtempSync(join(tmpdir(), 'cc-journal-cli-'));
  mkdirSync(join(dir, 'claims', 'tp'), { recursive: true });
  writeFileSync(join(dir, 'claims', 'tp', 'paper.yaml'), 'key: tp\nauthors: [A. Author]\ntitle: A test paper\nyear: 2024\n');
  writeFileSync(join(dir, 'claims', 'tp', 'refuted.yaml'), claimText({ id: 'tp.refuted', expect: 'refuted', search: SEARCH('x < 5') }));
  writeFileSync(join(dir, 'claims', 'tp', 'holds.yaml'), claimText({ id: 'tp.holds', expect: 'holds', search: SEARCH('x >= 0') }));
  return dir;
}
const run = (cwd: string, ...extra: string[]) => runCli(['run', 'claims', '--out', 'out', '--threads', '1', ...extra], { cwd, timeout: 120_000 });
const verdicts = (cwd: string) =>
  Object.fromEntries(
    (JSON.parse(readFileSync(join(cwd, 'out', 'report.json'), 'utf8')).claims as Array<{ id: string; verdict: string; search?: { counts: unknown } }>).map(
      (c) => [c.id, { verdict: c.verdict, counts: c.search?.counts }],
    ),
  );

let savedCache: string | undefined;
beforeAll(() => {
  savedCache = process.env.XDG_CACHE_HOME;
  process.env.XDG_CACHE_HOME = mkdtempSync(join(tmpdir(), 'cc-xdg-'));
});
afterAll(() => {
  if (savedCache === undefined) delete process.env.XDG_CACHE_HOME;
  else process.env.XDG_CACHE_HOME = savedCache;
});

describe('claimcheck run with a hostile journal', () => {
  it('--trials 0 is inconclusive (exit 1), never "holds (as expected) — no counterexample in 0 in-regime trials"', () => {
    const dir = clone();
    const r = run(dir, '--trials', '0', '--no-cache');
    expect(r.out).not.toMatch(/no counterexample in 0/);
    expect(r.out).toMatch(/tp\.holds: inconclusive/);
    expect(r.code).toBe(1);
  });

  it(
    'a committed journal of forged lines (every trial a pass, or a fail) changes no verdict, and the CLI says it ignored them',
    { tags: ['slow'], timeout: 300_000 },
    () => {
      const dir = clone();
      expect(run(dir, '--no-cache').code).toBe(0);
      const honest = verdicts(dir);
      // the journal an honest run writes gives the keys; a contributor commits them with forged results
      expect(run(dir).code).toBe(0);
      const lines = readFileSync(join(dir, '.cache', 'claimcheck', 'trials.jsonl'), 'utf8')
        .trim()
        .split('\n');
      const forge = (status: string) =>
        lines.map((l) => {
          const x = JSON.parse(l);
          const r = JSON.parse(x.r);
          return JSON.stringify({ ...x, r: JSON.stringify({ result: { ...r.result, status, property: { holds: status === 'pass' } } }) });
        });
      // nine forged passes first, as in the issue, then a forged fail for every trial of the true claim
      writeFileSync(
        join(dir, '.cache', 'claimcheck', 'trials.jsonl'),
        [
          ...forge('pass')
            .slice(0, 9)
            .map((l) => JSON.stringify({ ...JSON.parse(l), m: undefined })),
          ...forge('pass'),
          ...forge('fail'),
        ].join('\n') + '\n',
      );
      const r = run(dir);
      expect(r.code).toBe(0);
      expect(verdicts(dir)).toEqual(honest);
      expect(r.err).toMatch(/carry no valid MAC for this user and engine: ignored/);
    },
  );

  it('a journal on a full file system is one warning line; the run ends with its verdicts, exit 0, no stack', { tags: ['slow'], timeout: 300_000 }, (ctx) => {
    const dir = clone();
    const journalDir = join(dir, '.cache', 'claimcheck');
    mkdirSync(journalDir, { recursive: true });
    if (spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=8k', 'tmpfs', journalDir]).status !== 0) return ctx.skip('cannot mount a tmpfs here (not root)');
    try {
      spawnSync('dd', ['if=/dev/zero', `of=${join(journalDir, 'fill')}`, 'bs=1k', 'count=64']);
      const r = run(dir);
      expect(r.code).toBe(0);
      expect(r.out).toMatch(/2\/2 claims agree/);
      const warnings = r.err.split('\n').filter((l) => /journal/.test(l));
      expect(warnings.length).toBeGreaterThanOrEqual(1);
      expect(warnings.every((l) => /ENOSPC/.test(l))).toBe(true);
      expect(r.err).not.toMatch(/\n {4}at /);
    } finally {
      spawnSync('umount', [journalDir]);
    }
  });
});
