// Issue 17, second round of hostile inputs: a duplicated claim id cannot lend another claim a step;
// -0 and 0 are different journal keys; the journal's compaction never writes through a planted
// symlink; deep or huge YAML is refused before the parser sees it; replay runs its trial under the
// claim's time limit and refuses a path no search draws; the report carries no control character and
// report.md no link or image made from claim text; --out= is refused before the run.
import { randomBytes } from 'node:crypto';
import { lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadClaimText, loadClaims, type ClaimLoad } from '../../src/claims/load.js';
import { yamlNestingError } from '../../src/claims/nesting.js';
import { renderHtml } from '../../src/report/html.js';
import { renderMarkdown } from '../../src/report/markdown.js';
import { buildReport } from '../../src/report/model.js';
import { invalidResult, type ClaimResult } from '../../src/runner.js';
import { journaledRunner, openJournal } from '../../src/search/journal.js';
import { inlineRunner } from '../../src/search/pool.js';
import { runSearch } from '../../src/search/search.js';
import { claimsFixture, claimText, claimWithSearch, FC_SEED, runCli, searchFixture } from '../helpers.js';
import { cliHere, ENV, fakeClaim, validClaim } from './support.js';

const messages = (c: ClaimLoad | undefined) => (c && !c.ok ? c.errors.map((e) => e.message).join('\n') : '');
const step = (lhs: string, rhs: string) => `- id: drift\n  kind: identity\n  statement: 'drift'\n  lhs: '${lhs}'\n  rhs: '${rhs}'\n  variables: { x: [0, 1] }`;

/** A claims root with paper folders, each holding the given claim files. */
function claimsRoot(papers: Record<string, Record<string, string>>): string {
  const root = mkdtempSync(join(tmpdir(), 'cc-round2-'));
  for (const [key, files] of Object.entries(papers)) {
    mkdirSync(join(root, key));
    writeFileSync(join(root, key, 'paper.yaml'), `key: ${key}\nauthors: [A. Author]\ntitle: T\nyear: 2024\n`);
    for (const [name, text] of Object.entries(files)) writeFileSync(join(root, key, name), text);
  }
  return root;
}

describe('A: a duplicated claim id lends no step', () => {
  for (const hostileKey of ['aaa', 'zzz']) {
    it(`a file in ${hostileKey}/ carrying the cited claim's id with a false step: every carrier and the citing claim are invalid, naming both files`, () => {
      const root = claimsRoot({
        base: { 'b.yaml': claimText({ id: 't.base', symbolic: step('x', 'x') }) },
        user: { 'u.yaml': claimText({ id: 't.user', uses: ['t.base#drift'], symbolic: step('1', '1') }) },
        [hostileKey]: { 'x.yaml': claimText({ id: 't.base', symbolic: step('1', '2') }) },
      });
      const claims = loadClaims([root]).claims;
      const byFile = (f: string) => claims.find((c) => c.file.endsWith(f));
      expect(claims.filter((c) => c.ok)).toEqual([]);
      for (const f of ['base/b.yaml', `${hostileKey}/x.yaml`]) expect(messages(byFile(f))).toMatch(/duplicate claim id "t.base"/);
      const user = messages(byFile('user/u.yaml'));
      expect(user).toMatch(/"t.base#drift": the claim id "t.base" is in more than one file/);
      expect(user).toContain('base/b.yaml');
      expect(user).toContain(`${hostileKey}/x.yaml`);
    });
  }

  it('a single carrier still lends its step', () => {
    const root = claimsRoot({
      base: { 'b.yaml': claimText({ id: 't.base', symbolic: step('x', 'x') }) },
      user: { 'u.yaml': claimText({ id: 't.user', uses: ['t.base#drift'], symbolic: step('1', '1') }) },
    });
    const user = loadClaims([root]).claims.find((c) => c.ok && c.claim.id === 't.user');
    expect(user?.ok && user.claim.symbolic.map((s) => [s.id, (s as { sharedFrom?: string }).sharedFrom])).toEqual([
      ['drift', undefined],
      ['drift', 't.base'],
    ]);
  });
});

describe('B: -0, 0, NaN and the journal', () => {
  const ENGINE = 'b'.repeat(64);
  it('keys with -0 and 0, NaN and its tag string, are different; a journaled -0 comes back as -0', async () => {
    const j = openJournal(undefined, ENGINE);
    let n = 0;
    const compute = async () => ++n;
    for (const v of [0, -0, NaN, '__nonfinite:NaN', '__nonfinite:-0', Infinity, '__nonfinite:Infinity']) await j.once(['trial', { x: v }], compute, () => true);
    expect(n).toBe(7);
    const file = join(mkdtempSync(join(tmpdir(), 'cc-j-')), 'trials.jsonl');
    const opts = { secret: randomBytes(32), warn: () => {} };
    await openJournal(file, ENGINE, opts).once(
      ['k'],
      async () => ({ v: -0, s: '__nonfinite:x' }),
      () => true,
    );
    const again = await openJournal(file, ENGINE, opts).once(
      ['k'],
      async () => ({ v: 1, s: '' }),
      () => true,
    );
    expect(again.reused).toBe(true);
    expect(Object.is(again.value.v, -0)).toBe(true);
    expect(again.value.s).toBe('__nonfinite:x');
  });

  it('a search over grid [-0] after one over grid [0] is not answered from the journal', async () => {
    const spec = (g: string) =>
      searchFixture(`trials: 2
space: { x: { grid: [${g}] } }
model: { block: two-layer, d: 2, width: 1, w_scale: 1 }
metrics: { w: { block: layer-entry, layer: W, col: 0 } }
property: 'atan2(x, -1) > 0'`);
    const file = join(mkdtempSync(join(tmpdir(), 'cc-j-')), 'trials.jsonl');
    const opts = { secret: randomBytes(32), warn: () => {} };
    const run = (g: string, f?: string) =>
      runSearch(spec(g), {
        claimId: 'c',
        runner: journaledRunner(inlineRunner(), openJournal(f, 'c'.repeat(64), opts), openJournal(undefined, 'c'.repeat(64))),
      });
    expect((await run('0', file)).verdict).toBe('holds');
    expect((await run('-0')).verdict).toBe('refuted');
    expect((await run('-0', file)).verdict).toBe('refuted');
  });
});

describe('D: journal compaction and planted symlinks', () => {
  it('a symlink planted at the temporary name is neither followed nor removed; the journal stays a regular file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cc-j-'));
    const file = join(dir, 'trials.jsonl');
    const victim = join(mkdtempSync(join(tmpdir(), 'cc-victim-')), 'victim.txt');
    writeFileSync(victim, 'precious\n');
    writeFileSync(file, 'not a journal line\n'.repeat(1500));
    symlinkSync(victim, `${file}.tmp-${process.pid}`);
    const warnings: string[] = [];
    const j = openJournal(file, 'e'.repeat(64), { secret: randomBytes(32), warn: (m) => warnings.push(m) });
    await j.once(
      ['k'],
      async () => ({ v: 1 }),
      () => true,
    );
    expect(readFileSync(victim, 'utf8')).toBe('precious\n');
    expect(lstatSync(file).isFile()).toBe(true);
    expect(lstatSync(`${file}.tmp-${process.pid}`).isSymbolicLink()).toBe(true);
    // compacted: the skipped lines are gone, the new entry is there, no temporary file is left
    expect(readFileSync(file, 'utf8').split('\n').filter(Boolean)).toHaveLength(1);
    expect(readdirSync(dir).sort()).toEqual(['trials.jsonl', `trials.jsonl.tmp-${process.pid}`]);
    expect(warnings).toEqual([]);
  });
});

describe('C: deep or huge YAML is refused before the parser', () => {
  it('deep flow or block nesting, too many values or keys: one error with file:line:column', () => {
    const cases: Array<[string, RegExp, number, number]> = [
      ['id: ' + '['.repeat(400_000) + ']'.repeat(400_000), /nested more than 64 flow collections/, 1, 69],
      ['id: x\nl:\n' + '- '.repeat(300) + 'x\n', /nested more than 64 block levels/, 3, 127],
      ['id: x\n' + Array.from({ length: 100 }, (_, i) => ' '.repeat(i + 1) + 'k:\n').join(''), /nested more than 64 block levels/, 65, 65],
      ['id: x\nk: [' + '1,'.repeat(60_000) + '1]\n', /more than 50000 values/, 2, 100_000],
      ['id: x\n' + Array.from({ length: 6000 }, (_, i) => `k${i}: 1\n`).join(''), /more than 5000 mapping keys/, 5001, 6],
      ['id: x\nm: {' + Array.from({ length: 6000 }, (_, i) => `"k${i}":1`).join(',') + '}\n', /more than 5000 mapping keys/, 2, 0],
    ];
    for (const [text, message, line, column] of cases) {
      const t0 = performance.now();
      const l = loadClaimText('t/deep.yaml', text, 't');
      expect(performance.now() - t0).toBeLessThan(2000);
      expect(l.ok).toBe(false);
      if (l.ok) continue;
      expect(l.errors).toHaveLength(1);
      expect(l.errors[0].message).toMatch(message);
      expect(l.errors[0].line).toBe(line);
      if (column) expect(l.errors[0].column).toBe(column);
    }
  });

  it('what a legit file has is not refused: 64 levels, brackets in strings, comments and block scalars, a 10 000-value grid', () => {
    const ok = [
      'a: ' + '['.repeat(64) + ']'.repeat(64),
      'a: "' + '['.repeat(500) + '"\nb: \'' + '{'.repeat(500) + "'\nc: x # " + '['.repeat(500),
      'a: |\n' + '  [0, 1) half-open\n'.repeat(200) + 'b: 1',
      'statement: \\left[ x \\right) and [0, 1)\n'.repeat(100),
      'grid: [' + Array.from({ length: 10_000 }, (_, i) => i).join(', ') + ']',
    ];
    for (const text of ok) expect(yamlNestingError(text)).toBeUndefined();
    expect(yamlNestingError('a: ' + '['.repeat(65) + ']'.repeat(65))).toBeDefined();
  });

  it('validate on two 800 KB files of [[[…]]]: exit 2 with the error, in well under 1 GB', { timeout: 120_000 }, () => {
    const root = claimsRoot({
      p: { 'a.yaml': 'id: ' + '['.repeat(400_000) + ']'.repeat(400_000), 'b.yaml': 'id: ' + '{'.repeat(400_000) + '}'.repeat(400_000) },
    });
    const r = runCli(['validate', root], { timeout: 60_000 });
    expect(r.code).toBe(2);
    expect(r.out).toMatch(/a\.yaml:1:69: YAML: nested more than 64 flow collections/);
    expect(r.out).toMatch(/0 of 2 claim files valid/);
  });
});

const SLOW = `trials: 1
timeout_s: 2
space: { a: { grid: [1] } }
data: { block: isotropic-gaussian, n: 20, d: 10 }
model: { block: two-layer, d: 10, width: 10, w_scale: 1 }
loss: { block: square }
dynamics: { block: gradient-descent, steps: 10000000, eta: 0.0001 }
metrics: { s: { block: stable-rank, layer: W } }
property: 's >= 0'`;

describe('E, F: replay runs under the claim’s limits', () => {
  it('replay of a trial that outruns timeout_s: 2 ends with status timeout in seconds', { timeout: 120_000 }, () => {
    const dir = claimsFixture({ 'slow.yaml': claimWithSearch(SLOW, 't.slow') });
    const t0 = Date.now();
    const r = runCli(['replay', 't.slow', '--claims', join(dir, '..'), '--seed', '1'], { timeout: 60_000 });
    expect(r.out, r.err).toMatch(/status\s+timeout — exceeded the trial time limit of 2 s/);
    expect(r.code).toBe(0);
    expect(Date.now() - t0).toBeLessThan(30_000);
  });

  it('replay --path 99999999 is a usage error, at once', async () => {
    const dir = claimsFixture({
      'a.yaml': claimWithSearch(
        `trials: 4\nspace: { x: { grid: [1, 2] } }\nmodel: { block: two-layer, d: 2, width: 1, w_scale: 1 }\nmetrics: { w: { block: layer-entry, layer: W, col: 0 } }\nproperty: 'x > 0'`,
        't.one',
      ),
    });
    const t0 = performance.now();
    const r = await cliHere(['replay', 't.one', '--claims', join(dir, '..'), '--seed', '1', '--path', '99999999']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--path 99999999: its first number must be below 1000000/);
    expect(performance.now() - t0).toBeLessThan(5000);
  });
});

describe('H: --out', () => {
  it('--out= and --out "  " are refused before the run (exit 2)', async () => {
    const dir = claimsFixture({ 'a.yaml': validClaim('t.one') });
    for (const argv of [['--out='], ['--out', '  ']]) {
      const r = await cliHere(['run', dir, '--no-cache', ...argv]);
      expect(r.code).toBe(2);
      expect(r.err).toMatch(/--out needs a folder name/);
      expect(r.out).not.toMatch(/claims agree/);
    }
    const m = await cliHere(['merge', 'x.json', '--out=']);
    expect(m.code).toBe(2);
    expect(m.err).toMatch(/--out needs a folder name/);
  });
});

// G: control characters and links from claim strings
const CONTROL = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/; // eslint-disable-line no-control-regex
const PIECES = [
  '\x1b[31mRED\x1b[0m',
  '\u202e',
  '\u2066',
  '\x9b',
  '\r',
  '\n',
  '[x](javascript:alert(1))',
  '![x](http://evil.example/track.png)',
  '[x]: http://evil.example',
  '[^1]',
  '[x][y]',
  '\\',
  '&',
  '`',
  '```',
  '~~~',
  '\n```\n',
  '\n    ```',
  '(',
  ')',
  '!',
  ']',
  '|',
];
const hostile = fc.array(fc.oneof(fc.constantFrom(...PIECES), fc.string({ maxLength: 6 })), { minLength: 1, maxLength: 6 }).map((xs) => xs.join(''));

/** report.md outside its own ``` blocks, without its own links: where no `[` may be left (nothing can open a link or an image). */
function markdownText(md: string): string {
  let fence = false;
  return md
    .split('\n')
    .filter((l) => (l === '```' ? ((fence = !fence), false) : !fence))
    .join('\n')
    .replace(/!?\[[^[\]\n]*\]\((#claim-[a-z0-9-]*|[a-z0-9][a-z0-9.-]*\.svg)\)/g, '');
}

describe('G: report text from claim strings', () => {
  it('a title with ESC and U+202E, a statement with a link and a remote image: escaped in both files', () => {
    const text = validClaim('t.g', { title: JSON.stringify('\x1b[31mRED\x1b[0m \u202eevil') }).replace(
      'statement: { text: t, latex: t }',
      `statement: { text: ${JSON.stringify('[x](javascript:alert(1)) ![x](http://evil.example/track.png)')}, latex: t }`,
    );
    const l = loadClaimText('t/g.yaml', text, 't');
    if (!l.ok) throw new Error(JSON.stringify(l.errors));
    const { symbolic: _s, search: _q, ...meta } = l.claim;
    const report = buildReport([fakeClaim('t.g', { claim: meta as ClaimResult['claim'] })], {}, [], ENV, {}, 1);
    const md = renderMarkdown(report);
    const html = renderHtml(report, {});
    for (const doc of [md, html]) expect(doc).not.toMatch(CONTROL);
    expect(html).toContain('\\u001b[31mRED\\u001b[0m \\u202eevil');
    expect(md).toContain('\\u001b&#91;31mRED\\u001b&#91;0m \\u202eevil');
    expect(md).toContain('&#91;x](javascript:alert(1)) !&#91;x](http://evil.example/track.png)');
    expect(md).toMatch(/\| \[t\.g\]\(#claim-t-g\) \|/);
  });

  it(`fuzz: no control character in either file, no "[" in report.md outside its code blocks and own links (300 cases)`, () => {
    fc.assert(
      fc.property(hostile, hostile, hostile, hostile, (title, statement, reason, key) => {
        const text = validClaim('t.fuzz', { title: JSON.stringify(title) }).replace(
          'statement: { text: t, latex: t }',
          `statement: { text: ${JSON.stringify(statement)}, latex: ${JSON.stringify(reason)} }`,
        );
        const l = loadClaimText('t/fuzz.yaml', text, 't');
        const results: ClaimResult[] = [];
        if (l.ok) {
          const { symbolic: _s, search: _q, ...meta } = l.claim;
          results.push(fakeClaim('t.fuzz', { claim: meta as ClaimResult['claim'], reason }));
        }
        const bad = loadClaimText('t/bad.yaml', `id: t.bad\n${JSON.stringify(key)}: 1\n`, 't');
        if (!bad.ok) results.push(invalidResult(bad));
        results.push(fakeClaim('t.other', { reason: `${reason}\n${title}`, paperKey: 't' }));
        const report = buildReport(results, {}, [], ENV, {}, 1);
        const md = renderMarkdown(report);
        expect(md).not.toMatch(CONTROL);
        expect(markdownText(md)).not.toContain('[');
        expect(renderHtml(report, {})).not.toMatch(CONTROL);
      }),
      { seed: FC_SEED, numRuns: 300 },
    );
  });
});
