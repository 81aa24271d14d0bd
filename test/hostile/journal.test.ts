// A journal that cannot lie (#17): lines bound to their key by an HMAC under a per-user secret kept
// outside the repository, validated against the result schema, keyed by everything that can change a
// result; a journaled result that could decide a verdict is re-run before it is used; a journal that
// cannot be written is given up with one warning, never a crash.
import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { appendFileSync, chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SearchSpec } from '../../src/claims/schema.js';
import { engineFingerprint, journaledRunner, journalKeyFile, journalSecret, openJournal, type Journal } from '../../src/search/journal.js';
import { inlineRunner } from '../../src/search/pool.js';
import { runSearch, type SearchResult } from '../../src/search/search.js';
import { sampleSpace } from '../../src/search/space.js';
import { searchFixture } from '../helpers.js';

const ENGINE = 'e'.repeat(64);
const TAG = ENGINE.slice(0, 16);
const SECRET = randomBytes(32);
const tmp = () => mkdtempSync(join(tmpdir(), 'cc-hostile-journal-'));
const quiet = { secret: SECRET, warn: () => {} };

let savedCache: string | undefined;
beforeAll(() => {
  savedCache = process.env.XDG_CACHE_HOME;
  process.env.XDG_CACHE_HOME = tmp();
});
afterAll(() => {
  if (savedCache === undefined) delete process.env.XDG_CACHE_HOME;
  else process.env.XDG_CACHE_HOME = savedCache;
});

/** A cheap search: refuted at x = 7 (x < 5 fails), or holding (x >= 0). */
const spec = (property: string, trials = 12): SearchSpec =>
  searchFixture(`
trials: ${trials}
space: { x: { grid: [0, 1, 2, 3, 7] } }
model: { block: two-layer, d: 2, width: 1, w_scale: 1 }
metrics: { w: { block: layer-entry, layer: W, col: 0 } }
property: '${property}'`);
const REFUTED = spec('x < 5');
const HOLDS = spec('x >= 0');

/** The key a journal gives a search trial (as an attacker who knows the engine can compute it). */
const trialKey = (s: SearchSpec, values: Record<string, number>, claim: string) =>
  createHash('sha256')
    .update(JSON.stringify([TAG, 'trial', s, values, { claim }]))
    .digest('hex');

function search(s: SearchSpec, claim: string, journal: Journal): Promise<SearchResult> {
  return runSearch(s, { claimId: claim, runner: journaledRunner(inlineRunner(), journal, openJournal(undefined, ENGINE)) });
}
const verdictOf = (r: SearchResult) => ({ verdict: r.verdict, counts: r.counts, witness: r.witness?.values, frequency: r.frequency });
const fresh = (s: SearchSpec, claim: string) => search(s, claim, openJournal(undefined, ENGINE));

/** Forged lines for the first n trials of a search: every field an attacker can compute, and no valid MAC. */
function forged(s: SearchSpec, claim: string, n: number, r: unknown, mac = () => randomBytes(32).toString('hex')): string {
  return sampleSpace(s.space, s.seed, n)
    .map((values) => JSON.stringify({ e: TAG, k: trialKey(s, values, claim), r: JSON.stringify(r), m: mac() }) + '\n')
    .join('');
}

describe('a poisoned journal changes no verdict', () => {
  it('nine appended lines {"status":"pass","quantities":{}} do not turn a refuted claim into "holds"', async () => {
    const file = join(tmp(), 'trials.jsonl');
    const pass = (values: Record<string, number>) => ({ result: { status: 'pass', values, quantities: {}, hypotheses: {}, ms: 0 } });
    writeFileSync(file, '');
    for (const values of sampleSpace(REFUTED.space, REFUTED.seed, 9)) {
      appendFileSync(file, JSON.stringify({ e: TAG, k: trialKey(REFUTED, values, 'c'), r: { status: 'pass', quantities: {} } }) + '\n');
      appendFileSync(file, JSON.stringify({ e: TAG, k: trialKey(REFUTED, values, 'c'), r: JSON.stringify(pass(values)), m: '0'.repeat(64) }) + '\n');
    }
    const j = openJournal(file, ENGINE, quiet);
    expect(j.stats).toMatchObject({ loaded: 0, skipped: 9, rejected: 9 });
    const r = await search(REFUTED, 'c', j);
    expect(r.verdict).toBe('refuted');
    expect(verdictOf(r)).toEqual(verdictOf(await fresh(REFUTED, 'c')));
    expect(r.reusedTrials).toBe(0);
  });

  it('one forged fail does not refute a true claim', async () => {
    const file = join(tmp(), 'trials.jsonl');
    const [values] = sampleSpace(HOLDS.space, HOLDS.seed, 1);
    writeFileSync(file, forged(HOLDS, 'c', 1, { result: { status: 'fail', values, quantities: {}, hypotheses: {}, property: { holds: false }, ms: 0 } }));
    const r = await search(HOLDS, 'c', openJournal(file, ENGINE, quiet));
    expect(r.verdict).toBe('holds');
    expect(r.counts.fail).toBe(0);
  });

  it('r: {} (or a result missing its fields) is never used: counts are numbers, never "undefined": NaN', async () => {
    const file = join(tmp(), 'trials.jsonl');
    // even with a valid MAC (a line written by a buggy or older engine under the same key)
    const journal = openJournal(file, ENGINE, quiet);
    const [values] = sampleSpace(HOLDS.space, HOLDS.seed, 1);
    await journal.once(
      ['trial', HOLDS, values, { claim: 'c' }],
      async () => ({}) as never,
      () => true,
    );
    const again = openJournal(file, ENGINE, quiet);
    const r = await search(HOLDS, 'c', again);
    expect(again.stats.rejected).toBe(1);
    expect(Object.keys(r.counts).sort()).toEqual(['diverged', 'error', 'fail', 'imprecise', 'out-of-regime', 'pass', 'timeout']);
    expect(Object.values(r.counts).every(Number.isInteger)).toBe(true);
    expect(verdictOf(r)).toEqual(verdictOf(await fresh(HOLDS, 'c')));
  });

  it('a genuine line replayed under another claim id is rejected (the MAC binds it to its key)', async () => {
    const file = join(tmp(), 'trials.jsonl');
    await search(REFUTED, 'a', openJournal(file, ENGINE, quiet));
    const lines = readFileSync(file, 'utf8').trim().split('\n');
    const moved = lines.map((l) => {
      const x = JSON.parse(l);
      const r = JSON.parse(x.r);
      return JSON.stringify({ ...x, k: trialKey(REFUTED, r.result.values, 'b') });
    });
    writeFileSync(file, moved.join('\n') + '\n');
    const j = openJournal(file, ENGINE, quiet);
    expect(j.stats.rejected).toBe(lines.length);
    expect((await search(REFUTED, 'b', j)).reusedTrials).toBe(0);
  });

  it('a journaled fail is re-run before it is reported, even with a valid MAC; when the re-run differs, the fresh result wins', async () => {
    const file = join(tmp(), 'trials.jsonl');
    const journal = openJournal(file, ENGINE, quiet);
    // the first trial of the true claim journaled as a fail under the real secret (another machine, a bug)
    const [values] = sampleSpace(HOLDS.space, HOLDS.seed, 1);
    const lie = { result: { status: 'fail', values, quantities: { w: 0 }, hypotheses: {}, property: { holds: false }, ms: 0 } };
    await journal.once(
      ['trial', HOLDS, values, { claim: 'c' }],
      async () => lie,
      () => true,
    );
    const again = openJournal(file, ENGINE, quiet);
    expect(again.stats.loaded).toBe(1);
    const r = await search(HOLDS, 'c', again);
    expect(r.verdict).toBe('holds');
    expect(again.stats).toMatchObject({ rechecked: 1, mismatches: 1 });
  });

  it('passes are reused as they are (the journal saves time), fails are re-run and agree', async () => {
    const file = join(tmp(), 'trials.jsonl');
    const first = await search(REFUTED, 'c', openJournal(file, ENGINE, quiet));
    const j = openJournal(file, ENGINE, quiet);
    const second = await search(REFUTED, 'c', j);
    expect(verdictOf(second)).toEqual(verdictOf(first));
    expect(second.reusedTrials).toBeGreaterThan(0);
    expect(j.stats.rechecked).toBeGreaterThan(0);
    expect(j.stats.mismatches).toBe(0);
  });

  it('a journal made under another user secret is not trusted', async () => {
    const file = join(tmp(), 'trials.jsonl');
    await search(REFUTED, 'c', openJournal(file, ENGINE, { secret: randomBytes(32), warn: () => {} }));
    const j = openJournal(file, ENGINE, quiet);
    expect(j.stats.loaded).toBe(0);
    expect(j.stats.rejected).toBeGreaterThan(0);
  });
});

describe('the journal key covers everything that can change a result', () => {
  function engineRoot(): string {
    const root = tmp();
    mkdirSync(join(root, 'dist', 'search'), { recursive: true });
    mkdirSync(join(root, 'src'), { recursive: true });
    writeFileSync(join(root, 'dist', 'search', 'journal.js'), 'export {}');
    writeFileSync(join(root, 'src', 'a.ts'), 'export {}');
    writeFileSync(join(root, 'package-lock.json'), '{"lockfileVersion":3,"packages":{"node_modules/mathjs":{"version":"15.2.0"}}}');
    return root;
  }
  it('a changed package-lock.json, src/ file, dist/ file, wasm module or Node major version is another engine', () => {
    const root = engineRoot();
    const base = engineFingerprint(root, '20.1.0');
    expect(engineFingerprint(root, '20.9.9'), 'a minor Node version is the same engine').toBe(base);
    expect(engineFingerprint(root, '22.0.0')).not.toBe(base);
    const changed = (f: string, text: string) => {
      const r = tmp();
      cpSync(root, r, { recursive: true });
      writeFileSync(join(r, f), text);
      return engineFingerprint(r, '20.1.0');
    };
    expect(changed('package-lock.json', '{"lockfileVersion":3,"packages":{"node_modules/mathjs":{"version":"15.2.1"}}}')).not.toBe(base);
    expect(changed('src/a.ts', 'export const a = 1')).not.toBe(base);
    expect(changed('dist/search/journal.js', 'export const a = 1')).not.toBe(base);
    expect(changed('dist/dense.wasm', '\0asm')).not.toBe(base);
  });

  it('a journal written before package-lock.json changed reuses nothing afterwards', async () => {
    const root = engineRoot();
    const file = join(tmp(), 'trials.jsonl');
    await search(HOLDS, 'c', openJournal(file, engineFingerprint(root), quiet));
    expect((await search(HOLDS, 'c', openJournal(file, engineFingerprint(root), quiet))).reusedTrials).toBeGreaterThan(0);
    writeFileSync(join(root, 'package-lock.json'), '{"lockfileVersion":3,"packages":{}}');
    const j = openJournal(file, engineFingerprint(root), quiet);
    expect(j.stats.loaded).toBe(0);
    expect((await search(HOLDS, 'c', j)).reusedTrials).toBe(0);
  });

  it('the claim id is part of a trial key: the same search under another claim reuses nothing', async () => {
    const file = join(tmp(), 'trials.jsonl');
    await search(HOLDS, 'a', openJournal(file, ENGINE, quiet));
    expect((await search(HOLDS, 'b', openJournal(file, ENGINE, quiet))).reusedTrials).toBe(0);
    expect((await search(HOLDS, 'a', openJournal(file, ENGINE, quiet))).reusedTrials).toBeGreaterThan(0);
  });
});

describe('the journal secret and file', () => {
  it('the secret lives outside the repository, is created private (0600) on first use, and is stable', () => {
    const file = journalKeyFile();
    expect(file.startsWith(process.env.XDG_CACHE_HOME!)).toBe(true);
    const a = journalSecret(file);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(journalSecret(file).equals(a)).toBe(true);
  });

  it('a key file others can read (a committed one, say) is refused: the journal runs in memory and says so once', async () => {
    const dir = tmp();
    const key = join(dir, 'journal.key');
    writeFileSync(key, randomBytes(32).toString('hex'));
    chmodSync(key, 0o644);
    expect(() => journalSecret(key)).toThrow(/private/);
    process.env.XDG_CACHE_HOME = dir;
    mkdirSync(join(dir, 'claimcheck'));
    cpSync(key, join(dir, 'claimcheck', 'journal.key'));
    chmodSync(join(dir, 'claimcheck', 'journal.key'), 0o644);
    const warnings: string[] = [];
    const file = join(tmp(), 'trials.jsonl');
    const j = openJournal(file, ENGINE, { warn: (m) => warnings.push(m) });
    expect((await search(HOLDS, 'c', j)).verdict).toBe('holds');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/not used: no journal key/);
    expect(existsSync(file)).toBe(false);
    process.env.XDG_CACHE_HOME = tmp();
  });

  it('a journal that is a symlink (to a file the user owns, say) is neither read nor appended to', async () => {
    const dir = tmp();
    const target = join(dir, 'bashrc');
    writeFileSync(target, 'echo hello\n');
    const file = join(dir, 'trials.jsonl');
    symlinkSync(target, file);
    const warnings: string[] = [];
    const j = openJournal(file, ENGINE, { secret: SECRET, warn: (m) => warnings.push(m) });
    await search(HOLDS, 'c', j);
    expect(readFileSync(target, 'utf8')).toBe('echo hello\n');
    expect(warnings.join('\n')).toMatch(/symbolic link/);
  });

  it('a journal whose folder is a symlink is not used either', async () => {
    const dir = tmp();
    const elsewhere = tmp();
    symlinkSync(elsewhere, join(dir, 'cache'));
    const warnings: string[] = [];
    const cwd = process.cwd();
    process.chdir(dir);
    try {
      const j = openJournal(join('cache', 'trials.jsonl'), ENGINE, { secret: SECRET, warn: (m) => warnings.push(m) });
      await search(HOLDS, 'c', j);
    } finally {
      process.chdir(cwd);
    }
    expect(existsSync(join(elsewhere, 'trials.jsonl'))).toBe(false);
    expect(warnings.join('\n')).toMatch(/symbolic link/);
  });

  it('a write failure (ENOSPC on a full tmpfs) warns once, in one line, and the run goes on without journaling', async (ctx) => {
    const mnt = tmp();
    const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=16k', 'tmpfs', mnt]).status === 0;
    if (!mounted) return ctx.skip('cannot mount a tmpfs here (not root)');
    ctx.onTestFinished(() => void spawnSync('umount', [mnt]));
    try {
      const file = join(mnt, 'trials.jsonl');
      const warnings: string[] = [];
      const j = openJournal(file, ENGINE, { secret: SECRET, warn: (m) => warnings.push(m) });
      // fill the file system to its last bytes
      spawnSync('dd', ['if=/dev/zero', `of=${join(mnt, 'fill')}`, 'bs=1k', 'count=64']);
      const r = await search(HOLDS, 'c', j);
      expect(verdictOf(r)).toEqual(verdictOf(await fresh(HOLDS, 'c')));
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatch(/cannot write to it \(ENOSPC\); continuing without it$/);
      expect(warnings[0]).not.toMatch(/\n| {4}at /);
    } finally {
      spawnSync('umount', [mnt]);
    }
  }, 60_000);
});
