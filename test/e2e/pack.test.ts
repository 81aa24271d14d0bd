// The package a theorist installs: `npm pack`, the tarball installed into an empty project with
// npm ci, then `npx claimcheck new / validate / run` on a paper folder there. The project's lock file
// pins claimcheck's dependencies to this repository's lock (what `npm install <tarball>` would choose
// today), so npm ci can install them from the npm cache without the network; the registry is asked
// only when the cache lacks one. The build is `npm test`'s own (the packing skips `prepare`).
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, claimText } from '../helpers.js';

const npm = (args: string[], cwd: string) => spawnSync('npm', args, { cwd, encoding: 'utf8', timeout: 300_000 });

type LockEntry = Record<string, unknown> & { dev?: boolean; devOptional?: boolean };

/** An empty project depending on the tarball, with a lock file: claimcheck's runtime dependencies as this repository's lock has them. */
function project(tarball: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'cc-paper-repo-'));
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, LockEntry> };
  const spec = `file:${tarball}`;
  const packages: Record<string, unknown> = {
    '': { name: 'paper-repo', dependencies: { claimcheck: spec } },
    'node_modules/claimcheck': {
      version: pkg.version,
      resolved: spec,
      integrity: `sha512-${createHash('sha512').update(readFileSync(tarball)).digest('base64')}`,
      license: pkg.license,
      dependencies: pkg.dependencies,
      optionalDependencies: pkg.optionalDependencies,
      bin: pkg.bin,
      engines: pkg.engines,
    },
  };
  for (const [path, entry] of Object.entries(lock.packages)) {
    if (!path || entry.dev) continue;
    const { devOptional, ...rest } = entry;
    packages[path] = devOptional ? { ...rest, optional: true } : rest;
  }
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'paper-repo', private: true, dependencies: { claimcheck: spec } }, null, 2));
  writeFileSync(join(dir, 'package-lock.json'), JSON.stringify({ name: 'paper-repo', lockfileVersion: 3, requires: true, packages }, null, 2));
  return dir;
}

describe('the npm package', () => {
  it('packs dist/, bin/, claims/ and docs/, installs into an empty project, and checks a paper folder there', { tags: ['slow'], timeout: 900_000 }, () => {
    const dest = mkdtempSync(join(tmpdir(), 'cc-pack-'));
    const name = execFileSync('npm', ['pack', '--ignore-scripts', '--silent', '--pack-destination', dest], { cwd: ROOT, encoding: 'utf8' })
      .trim()
      .split('\n')
      .pop()!;
    const tarball = join(dest, name);
    const files = execFileSync('tar', ['tzf', tarball], { encoding: 'utf8' }).split('\n').filter(Boolean);
    for (const f of [
      'bin/claimcheck.js',
      'dist/cli.js',
      'dist/numeric/wasm/dense.wasm',
      'claims/vardi2021/thm3-construction.yaml',
      'docs/claim-format.md',
      'README.md',
    ])
      expect(files).toContain(`package/${f}`);
    if (existsSync(join(ROOT, 'docs', 'claim.schema.json'))) expect(files).toContain('package/docs/claim.schema.json');
    expect(files.filter((f) => /^package\/(src|test|bench|scripts|reports|\.cache)\/|\.map$/.test(f))).toEqual([]);

    const dir = project(tarball);
    let install = npm(['ci', '--offline', '--no-audit', '--no-fund'], dir);
    if (install.status !== 0 && /ENOTCACHED/.test(install.stderr)) install = npm(['ci', '--prefer-offline', '--no-audit', '--no-fund'], dir);
    expect(install.status, install.stderr).toBe(0);

    const npx = (args: string[]) => spawnSync('npx', ['--no-install', 'claimcheck', ...args], { cwd: dir, encoding: 'utf8', timeout: 300_000 });
    const made = npx(['new', 'smith2024/first-claim']);
    expect(made.status, made.stderr).toBe(0);
    const schemaLine = /^# yaml-language-server: \$schema=(\S+)/.exec(readFileSync(join(dir, 'smith2024', 'first-claim.yaml'), 'utf8'));
    if (schemaLine) expect(existsSync(join(dir, 'smith2024', schemaLine[1]))).toBe(true);
    // a claim that rests on a step of the built-in library, and is false
    writeFileSync(
      join(dir, 'smith2024', 'srank-false.yaml'),
      claimText({
        id: 'smith2024.srank-false',
        title: 'a Gaussian matrix has stable rank at most 2 (false)',
        expect: 'refuted',
        uses: ['vardi2021.thm3-construction#zero_loss_line'],
        search: `trials: 24
seed: 5
space: { m: { int: [4, 12] }, d: { int: [4, 12] } }
model: { block: two-layer, d: d, width: m, w_scale: 1, train_output: false }
metrics:
  srank: { block: stable-rank, layer: W, at: initial }
property: 'srank <= 2'`,
      }),
    );
    const valid = npx(['validate', 'smith2024']);
    expect(valid.status, valid.stdout).toBe(0);
    const run = npx(['run', 'smith2024', '--out', 'reports/smith2024', '--no-boundary', '--threads', '2']);
    expect(run.status, run.stdout + run.stderr).toBe(0);
    const report = JSON.parse(readFileSync(join(dir, 'reports', 'smith2024', 'report.json'), 'utf8'));
    expect(report.claims.map((c: { id: string; verdict: string }) => `${c.id}: ${c.verdict}`)).toEqual([
      'smith2024.first-claim: holds',
      'smith2024.srank-false: refuted',
    ]);
    expect(report.claims[1].symbolic.map((s: { id: string; verdict: string }) => `${s.id}: ${s.verdict}`)).toEqual(['zero_loss_line: verified']);
    expect(report.claims[1].search.witness.replay).toMatch(/^npx claimcheck replay smith2024\/srank-false\.yaml /);
    expect(existsSync(join(dir, 'reports', 'smith2024', 'index.html'))).toBe(true);
  });
});
