// Shards: `run --shard i/N` on each part and `merge` of their reports give the report an unsharded
// run gives (timings aside).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { reportWithoutTimings } from './helpers.js';
import { compareClaimFiles } from '../src/report/report.js';

const ROOT = join(import.meta.dirname, '..');
const BIN = join(ROOT, 'bin', 'claimcheck.js');
const CLAIMS = ['frei2022.gaussian-srank-at-most-2', 'timor2022.width2-usually-converges', 'timor2022.c4-aligned-solution', 'razin2020.c1-solution-norms', 'vardi2021.norm-difference-conserved'];
const strip = (file: string) => reportWithoutTimings(readFileSync(file, 'utf8'));

function cli(args: string[]): string {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, encoding: 'utf8', timeout: 200_000 });
  if (r.status !== 0) throw new Error(`claimcheck ${args.join(' ')} failed (${r.status}): ${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

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
    cli(['merge', ...parts, '--out', join(dir, 'merged')]);
    expect(strip(join(dir, 'merged', 'report.json'))).toBe(strip(join(dir, 'whole', 'report.json')));
  }, 300_000);

  it('orders claim files as the loader walks folders', () => {
    const files = ['claims/a-b/x.yaml', 'claims/a/y.yaml', 'claims/a/x.yaml', 'claims/b.yaml'];
    expect([...files].sort(compareClaimFiles)).toEqual(['claims/a/x.yaml', 'claims/a/y.yaml', 'claims/a-b/x.yaml', 'claims/b.yaml']);
  });

  it('rejects a malformed shard', () => {
    const r = spawnSync(process.execPath, [BIN, 'run', '--shard', '4/3'], { cwd: ROOT, encoding: 'utf8' });
    expect(r.status).not.toBe(0);
    expect(r.stderr + r.stdout).toMatch(/--shard takes i\/N with 1 ≤ i ≤ N/);
  });
});
