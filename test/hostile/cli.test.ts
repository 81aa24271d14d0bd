// Issue 17, "Command line": unknown options, out-of-range numbers, malformed paths, targets without
// claims and reports that are not reports are errors (exit 2, one line, before any work); merge
// refuses shards that are not one run unless --force.
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { claimsFixture, runCli } from '../helpers.js';
import { cliHere, fakeReport, reportFiles, validClaim } from './support.js';

/** A folder with one valid claim and a report folder path that does not exist yet (a run would create it). */
function workspace(): { claims: string; out: string } {
  const claims = claimsFixture({ 'a.yaml': validClaim('t.one') });
  return { claims, out: join(mkdtempSync(join(tmpdir(), 'cc-out-')), 'report') };
}

/** A usage error: exit 2, one line on stderr naming the problem, nothing run (no verdict line, no report folder). */
async function expectUsageError(argv: string[], message: RegExp, out?: string): Promise<void> {
  const r = await cliHere(argv);
  expect(r.code, `${argv.join(' ')}: ${r.out}\n${r.err}`).toBe(2);
  expect(r.err.trim().split('\n')).toHaveLength(1);
  expect(r.err).toMatch(message);
  expect(r.out).not.toMatch(/claims agree|^✓|^✗/m);
  if (out) expect(existsSync(out)).toBe(false);
}

describe('the command line refuses what it cannot honour', () => {
  it('--trails=5: an unknown option, with a suggestion, and no run', async () => {
    const { claims, out } = workspace();
    await expectUsageError(['run', claims, '--trails=5', '--out', out], /unknown option --trails; did you mean --trials\?/, out);
  });

  it('--no-cahce: an unknown option (the journal is not quietly used)', async () => {
    const { claims, out } = workspace();
    await expectUsageError(['run', claims, '--no-cahce', '--out', out], /unknown option --no-cahce; did you mean --no-cache\?/, out);
  });

  it('unknown options on every subcommand', async () => {
    const [a] = reportFiles(fakeReport(['t.a']));
    for (const argv of [
      ['validate', 'claims', '--ful'],
      ['replay', 't.x', '--seed', '1', '--refin'],
      ['list', '--reprot', 'x'],
      ['diff', a, a, '--json'],
      ['merge', a, '--forse'],
    ])
      await expectUsageError(argv, /unknown option --/);
  });

  it('`run README.md` and `run <empty folder>` are errors, not "0/0 claims agree"', async () => {
    const { out } = workspace();
    await expectUsageError(['run', 'README.md', '--out', out], /no claim files \(\*\.yaml\) in README\.md/, out);
    const empty = mkdtempSync(join(tmpdir(), 'cc-empty-'));
    await expectUsageError(['run', empty, '--out', out], /no claim files/, out);
    await expectUsageError(['validate', empty], /no claim files/);
  });

  it('--seed 4294967296 is an error, not seed 0', async () => {
    const { claims, out } = workspace();
    await expectUsageError(['run', claims, '--seed', '4294967296', '--out', out], /--seed takes a whole number from 0 to 4294967295, got "4294967296"/, out);
    await expectUsageError(['replay', 't.one', '--claims', join(claims, '..'), '--seed', '4294967296'], /--seed takes a whole number/);
  });

  it('replay --path -1 (or any malformed path) is an error, not path 0', async () => {
    const { claims } = workspace();
    for (const path of ['-1', '1:-2', 'x', '1::2', '', '0x1'])
      await expectUsageError(['replay', 't.one', '--claims', join(claims, '..'), '--seed', '1', '--path', path], /--path takes the fast-check path/);
  });

  it('every numeric option is checked: threads ≥ 1, seeds ≥ 1, budget > 0, shard i/N', async () => {
    const { claims, out } = workspace();
    const cases: Array<[string[], RegExp]> = [
      [['--threads', '0'], /--threads takes a whole number from 1/],
      [['--threads', '2.5'], /--threads takes a whole number/],
      [['--seeds', '0'], /--seeds takes a whole number from 1/],
      [['--seed', '-3'], /--seed takes a whole number/],
      [['--seed', '1e3'], /--seed takes a whole number/],
      [['--budget', '0s'], /a duration must be from 1 ms/],
      [['--budget', 'soon'], /cannot read the duration/],
      [['--shard', '0/3'], /--shard takes i\/N/],
      [['--shard', '4/3'], /--shard takes i\/N/],
      [['--seed'], /--seed needs a value/],
    ];
    for (const [flags, message] of cases) await expectUsageError(['run', claims, '--out', out, ...flags], message, out);
  });

  it('merge and diff name a file that is not JSON, not a report, or absent', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cc-bad-'));
    writeFileSync(join(dir, 'text.json'), 'not json at all');
    writeFileSync(join(dir, 'empty.json'), '{}');
    mkdirSync(join(dir, 'folder.json'));
    const [good] = reportFiles(fakeReport(['t.a']));
    const out = join(dir, 'merged');
    await expectUsageError(['merge', good, join(dir, 'text.json'), '--out', out], /text\.json: not JSON/, out);
    await expectUsageError(['merge', join(dir, 'empty.json'), '--out', out], /empty\.json: not a claimcheck report \(missing or malformed: claims/, out);
    await expectUsageError(['diff', good, join(dir, 'empty.json')], /empty\.json: not a claimcheck report/);
    await expectUsageError(['diff', join(dir, 'absent.json'), good], /absent\.json: no such file/);
    await expectUsageError(['diff', good, join(dir, 'folder.json')], /folder\.json: not a regular file/);
  });

  it('merge refuses shards with different lock files, Node majors or engines, or from dirty trees, and says which; --force merges them', async () => {
    const base = fakeReport(['t.a']);
    const cases: Array<[Parameters<typeof fakeReport>[1], RegExp]> = [
      [{ lockfileSha256: 'b'.repeat(64) }, /the lock files \(package-lock\.json sha256\) differ: .*shard1\.json has a{16}, .*shard2\.json has b{16}/],
      [{ node: 'v22.3.0' }, /the Node major versions differ: .*shard1\.json has 20, .*shard2\.json has 22/],
      [{ engine: 'f'.repeat(64) }, /the engine fingerprints differ/],
      [{ gitDirty: true }, /from a tree with uncommitted changes: .*shard2\.json/],
    ];
    for (const [env, message] of cases) {
      const files = reportFiles(base, fakeReport(['t.b'], env));
      const out = join(mkdtempSync(join(tmpdir(), 'cc-merge-')), 'merged');
      await expectUsageError(['merge', ...files, '--out', out], message, out);
      const forced = await cliHere(['merge', ...files, '--out', out, '--force']);
      expect(forced.code, forced.err).toBe(0);
      expect(forced.err).toMatch(message);
      expect(existsSync(join(out, 'report.json'))).toBe(true);
    }
    // same environment, clean: merged without --force
    const out = join(mkdtempSync(join(tmpdir(), 'cc-merge-')), 'merged');
    const ok = await cliHere(['merge', ...reportFiles(base, fakeReport(['t.b'])), '--out', out]);
    expect(ok.code, ok.err).toBe(0);
    expect(ok.out).toMatch(/Merged 2 shard report\(s\): 2 claims/);
  });

  it('the built CLI: a typo is exit 2 with a one-line message and no stack', () => {
    const r = runCli(['run', '--trails=5'], { timeout: 30_000 });
    expect(r.code).toBe(2);
    expect(r.err.trim()).toBe('claimcheck: unknown option --trails; did you mean --trials? (claimcheck run --help lists the options)');
  });
});
