// Issue 17, "Output that a person or a terminal reads": no raw HTML from a claim file in report.md,
// no control character from a claim file on a terminal, the report set replaced whole (a kill at any
// moment leaves the old set or the new one), I/O failures exit 3 with one line, and an --out that
// cannot be written fails before any claim runs.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadClaimText } from '../../src/claims/load.js';
import { renderHtml } from '../../src/report/html.js';
import { renderMarkdown } from '../../src/report/markdown.js';
import { buildReport } from '../../src/report/model.js';
import { checkReportDir } from '../../src/report/write.js';
import type { ClaimResult } from '../../src/runner.js';
import { claimsFixture, claimText, ROOT, runCli } from '../helpers.js';
import { cliHere, ENV, fakeClaim, fakeReport, reportFiles, validClaim } from './support.js';

const XSS = '<script>alert(1)</script><img src=x onerror=alert(1)>';
const FAKE_AGREE = '\x1b[2J\x1b[H\x1b[32m✓ all claims agree (70/70)\x1b[0m';
/** C0 (tab aside), DEL and C1 controls: none may reach a terminal from a claim file. */
const CONTROL = /[\x00-\x08\x0a-\x1f\x7f-\x9f]/; // eslint-disable-line no-control-regex

/** A claim result carrying a loaded claim file's own fields (title, statement, source…). */
function resultOf(yaml: string): ClaimResult {
  const l = loadClaimText('t/hostile.yaml', yaml, 't');
  if (!l.ok) throw new Error(JSON.stringify(l.errors));
  const { symbolic: _s, search: _q, ...meta } = l.claim;
  return fakeClaim(l.claim.id, { claim: meta as ClaimResult['claim'], reason: `search: ${XSS}` });
}

describe('report.md and index.html carry no HTML from a claim file', () => {
  it('a title <script>…<img onerror> is escaped in report.md (and in index.html)', () => {
    const report = buildReport([resultOf(validClaim('t.xss', { title: JSON.stringify(XSS) }))], {}, [], ENV, {}, 1);
    const md = renderMarkdown(report);
    expect(md).toContain('&lt;script>alert(1)&lt;/script>&lt;img src=x onerror=alert(1)>');
    expect(md).not.toMatch(/<script|<img|<\/script/i);
    const html = renderHtml(report, {});
    expect(html).not.toContain('<img src=x onerror');
    expect(html).not.toContain('<script>alert(1)');
  });

  it('the only tags left in report.md are its own anchors', () => {
    const report = buildReport(
      [resultOf(validClaim('t.xss', { title: JSON.stringify(`a\n\n<div onclick=x>\n\`\`\`\n<!-- c --><?php ?><![CDATA[x]]>`) }))],
      {},
      [],
      ENV,
      {},
      1,
    );
    const md = renderMarkdown(report);
    const tags = md.match(/<[A-Za-z/!?][^>]*>?/g) ?? [];
    expect(tags.filter((t) => !/^<a id="claim-[a-z0-9-]+">$|^<\/a>$/.test(t))).toEqual([]);
  });
});

describe('nothing from a claim file reaches a terminal raw', () => {
  it('an ANSI screen-clear and a fake "all claims agree" in an invalid id and a key are escaped, in validate and run', async () => {
    const yaml =
      `id: ${JSON.stringify(FAKE_AGREE)}\n${JSON.stringify(`\x1b]0;owned\x07key\r\x9b31m`)}: 1\n` + claimText({ id: 'unused' }).split('\n').slice(1).join('\n');
    const dir = claimsFixture({ 'evil.yaml': yaml, 'good.yaml': validClaim('t.good') });
    const out = join(mkdtempSync(join(tmpdir(), 'cc-out-')), 'r');
    for (const argv of [
      ['validate', dir],
      ['run', dir, '--out', out, '--threads', '1', '--no-cache'],
    ]) {
      const r = await cliHere(argv);
      for (const line of [...r.out.split('\n'), ...r.err.split('\n')]) expect(line).not.toMatch(CONTROL);
      expect(r.out).toMatch(/\\x1b\[2J|\\u001b\[2J/);
      expect(r.out).not.toMatch(/^✓ all claims agree/m);
    }
  });

  it('the built CLI prints no escape sequence either (the verdict line of an invalid file shows its id)', () => {
    const dir = claimsFixture({ 'evil.yaml': `id: ${JSON.stringify(FAKE_AGREE)}\n` });
    const r = runCli(['run', dir, '--out', join(mkdtempSync(join(tmpdir(), 'cc-out-')), 'r'), '--threads', '1'], { timeout: 60_000 });
    expect(r.code).toBe(2);
    expect(r.out).not.toContain('\x1b');
    expect(r.out.split('\n').filter((l) => l.startsWith('✓'))).toEqual([]);
  });
});

/** report.json, report.md and index.html in `dir` come from one write (the same generatedAt). */
function completeSet(dir: string): string {
  const g = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')).generatedAt as string;
  expect(readFileSync(join(dir, 'report.md'), 'utf8')).toContain(`Generated ${g} `);
  expect(readFileSync(join(dir, 'index.html'), 'utf8')).toContain(`Generated ${g} `);
  return g;
}

describe('the report set is replaced whole', () => {
  it(
    'SIGKILL at random moments of repeated writes: the folder always holds one complete set (after the next start mends an interrupted swap)',
    { tags: ['slow'] },
    async () => {
      const parent = mkdtempSync(join(tmpdir(), 'cc-kill-'));
      const dir = join(parent, 'latest');
      const script = `
      const { writeReport } = await import(${JSON.stringify(join(ROOT, 'dist/report/report.js'))});
      const { buildReport } = await import(${JSON.stringify(join(ROOT, 'dist/report/model.js'))});
      const env = ${JSON.stringify(ENV)};
      const claims = Array.from({ length: 200 }, (_, i) => ({ id: 't.c' + i, file: 'claims/t/c' + i + '.yaml', paperKey: 't', expect: 'holds', verdict: 'holds', matches: true, reason: 'r'.repeat(400), symbolic: [], ms: 1 }));
      const report = buildReport(claims, {}, [], env, {}, 1);
      for (let k = 0; ; k++) { report.generatedAt = 'write-' + k; await writeReport(report, ${JSON.stringify(dir)}); process.stdout.write(k + '\\n'); }`;
      let seen = new Set<string>();
      for (let round = 0; round < 6; round++) {
        const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
        await new Promise<void>((ok) => child.stdout.once('data', () => ok()));
        await new Promise((ok) => setTimeout(ok, 5 + ((round * 97) % 400)));
        child.kill('SIGKILL');
        await new Promise((ok) => child.once('exit', ok));
        const raw = existsSync(dir)
          ? dir
          : join(
              parent,
              readdirSync(parent).find((e) => e.startsWith('.latest.old-'))!,
            );
        seen.add(completeSet(raw));
        checkReportDir(dir); // what the next run does first
        completeSet(dir);
        expect(readdirSync(parent)).toEqual(['latest']);
      }
      seen = new Set([...seen].filter(Boolean));
      expect(seen.size).toBeGreaterThan(0);
    },
  );

  it('a kill between the two renames: the previous report is moved back, staging is removed', async () => {
    const parent = mkdtempSync(join(tmpdir(), 'cc-swap-'));
    const dead = spawn(process.execPath, ['-e', '0']);
    await new Promise((ok) => dead.once('exit', ok));
    const old = join(parent, `.latest.old-${dead.pid}-00000000`);
    mkdirSync(old);
    for (const f of ['report.json', 'report.md', 'index.html']) writeFileSync(join(old, f), f);
    mkdirSync(join(parent, `.latest.new-${dead.pid}-11111111`));
    checkReportDir(join(parent, 'latest'));
    expect(readdirSync(parent)).toEqual(['latest']);
    expect(readFileSync(join(parent, 'latest', 'report.md'), 'utf8')).toBe('report.md');
  });
});

// ENOSPC and a read-only --out need a tiny file system: a tmpfs (root only); skipped elsewhere.
const mounts: string[] = [];
function tmpfs(options: string): string | undefined {
  const dir = mkdtempSync(join(tmpdir(), 'cc-tmpfs-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', options, 'tmpfs', dir], { stdio: 'ignore' });
    mounts.push(dir);
    return dir;
  } catch {
    return undefined;
  }
}
afterAll(() => {
  for (const m of mounts) execFileSync('umount', [m]);
});
const canMount =
  process.getuid?.() === 0 &&
  (() => {
    const d = tmpfs('size=4k');
    return d !== undefined;
  })();

describe('I/O failures: exit 3, one line, nothing half-written', () => {
  it.skipIf(!canMount)('ENOSPC on --out: exit 3, one line, the previous report kept whole, no temporary files left', async () => {
    const fs = tmpfs('size=64k')!;
    const out = join(fs, 'latest');
    mkdirSync(out);
    writeFileSync(join(out, 'report.json'), '{"previous":true}\n');
    // 300 claims: a report several times larger than the 64 KB file system
    const ids = Array.from({ length: 300 }, (_, i) => `t.claim-${i}`);
    const [shard] = reportFiles(fakeReport(ids));
    const r = await cliHere(['merge', shard, '--out', out]);
    expect(r.code).toBe(3);
    expect(r.err.trim()).toBe(`claimcheck: cannot write the report to ${out}: no space left on the device (ENOSPC)`);
    expect(readdirSync(fs)).toEqual(['latest']);
    expect(readdirSync(out)).toEqual(['report.json']);
    expect(readFileSync(join(out, 'report.json'), 'utf8')).toBe('{"previous":true}\n');
  });

  it.skipIf(!canMount)('a read-only --out fails before any claim runs (exit 3)', async () => {
    const ro = tmpfs('ro,size=16k')!;
    const dir = claimsFixture({ 'a.yaml': validClaim('t.one') });
    const r = await cliHere(['run', dir, '--out', join(ro, 'report'), '--threads', '1']);
    expect(r.code).toBe(3);
    expect(r.err.trim()).toMatch(/^claimcheck: cannot write the report to .*: read-only file system \(EROFS\)$/);
    expect(r.out).not.toContain('t.one');
  });

  it('an --out that is a file, or a folder with files that are not a report, fails before any claim runs (exit 3)', async () => {
    const dir = claimsFixture({ 'a.yaml': validClaim('t.one') });
    const base = mkdtempSync(join(tmpdir(), 'cc-out-'));
    writeFileSync(join(base, 'file'), 'x');
    mkdirSync(join(base, 'home'));
    writeFileSync(join(base, 'home', 'notes.txt'), 'mine');
    for (const [out, message] of [
      [join(base, 'file'), /is a file, not a report folder/],
      [join(base, 'file', 'sub'), /a file stands where a folder is needed/],
      [join(base, 'home'), /holds files that are not part of a report \(notes\.txt\)/],
    ] as const) {
      const r = await cliHere(['run', dir, '--out', out, '--threads', '1']);
      expect(r.code, r.err).toBe(3);
      expect(r.err).toMatch(message);
      expect(r.out).not.toContain('t.one');
    }
    expect(readFileSync(join(base, 'home', 'notes.txt'), 'utf8')).toBe('mine');
    rmSync(base, { recursive: true });
  });
});
