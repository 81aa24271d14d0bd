// End to end: the built CLI run in a child process (test/e2e/ holds the whole-CLI runs).
// Shards: `run --shard i/N` on each part and `merge` of their reports give the report an unsharded
// run gives (timings aside).
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { reportWithoutTimings, runCli } from '../helpers.js';

const CLAIMS = [
  'frei2022.gaussian-srank-at-most-2',
  'timor2022.width2-usually-converges',
  'timor2022.c4-aligned-solution',
  'razin2020.c1-solution-norms',
  'vardi2021.norm-difference-conserved',
];
const strip = (file: string) => reportWithoutTimings(readFileSync(file, 'utf8'));

const cli = (args: string[]): string => runCli(args, { timeout: 200_000, check: true }).out;

describe('shards', () => {
  it('merge(shard 1/3, 2/3, 3/3) equals the unsharded report', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cc-shard-'));
    cli(['run', ...CLAIMS, '--out', join(dir, 'whole'), '--no-cache', '--threads', '2']);
    const parts = [1, 2, 3].map((i) => {
      const out = join(dir, `shard${i}`);
      cli(['run', ...CLAIMS, '--shard', `${i}/3`, '--out', out, '--no-cache', '--threads', '2']);
      return join(out, 'report.json');
    });
    const sizes = parts.map((p) => JSON.parse(readFileSync(p, 'utf8')).claims.length);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(CLAIMS.length);
    expect(Math.min(...sizes)).toBeGreaterThan(0);
    // merge refuses shards from a tree with uncommitted changes (a developer's checkout) unless --force
    const dirty = JSON.parse(readFileSync(parts[0], 'utf8')).environment.gitDirty as boolean;
    cli(['merge', ...parts, '--out', join(dir, 'merged'), ...(dirty ? ['--force'] : [])]);
    expect(strip(join(dir, 'merged', 'report.json'))).toBe(strip(join(dir, 'whole', 'report.json')));
  }, 300_000);

  it('rejects a malformed shard', () => {
    const r = runCli(['run', '--shard', '4/3']);
    expect(r.code).not.toBe(0);
    expect(r.err + r.out).toMatch(/--shard takes i\/N with 1 ≤ i ≤ N/);
  });
});
