// Claims outside the built-in claims/ folder (src/claims/load.ts, src/claims/skeleton.ts): how a
// printed command names such a claim (its file, quoted for a shell), where `uses` finds a shared step
// (the claims loaded, then the files beside the using file, then the built-in library), and the
// skeleton that `claimcheck new` writes.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { commandTarget, loadClaims, loadClaimText, loadPaper, shellWord, type ClaimLoad } from '../../src/claims/load.js';
import { claimSkeleton, paperSkeleton, skeletonNameError } from '../../src/claims/skeleton.js';
import { CLAIMS_DIR, ROOT, claimText } from '../helpers.js';

const PAPER = (key: string) => `key: ${key}\nauthors: [A. Author]\ntitle: A paper\nyear: 2024\n`;
const STEP = (id: string, lhs: string) => `- id: ${id}\n  kind: identity\n  lhs: '${lhs}'\n  rhs: '${lhs}'\n  variables: { a: [-1, 1] }`;

/** Folders under a fresh temporary root: { 'paper/file.yaml': text }. */
function tree(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'cc-anywhere-'));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(root, path, '..'), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

const errorsOf = (c: ClaimLoad) => (c.ok ? [] : c.errors.map((e) => `${e.line}:${e.column}: ${e.path}: ${e.message}`));
const shared = (c: ClaimLoad) => {
  if (!c.ok) throw new Error(JSON.stringify(c.errors));
  return c.claim.symbolic as Array<{ id: string; lhs?: string; sharedFrom?: string }>;
};

describe('how a printed command names a claim (commandTarget)', () => {
  it('by id in the built-in library, by its file elsewhere (a mutant too)', () => {
    expect(commandTarget(join(CLAIMS_DIR, 'vardi2021', 'thm3-construction.yaml'), 'vardi2021.thm3-construction')).toBe('vardi2021.thm3-construction');
    const mutant = join('test', 'mutants', 'vardi2021', 'thm3-gamma1-gets-gamma5-interval.yaml');
    expect(commandTarget(join(ROOT, mutant), 'mutant.x')).toBe(join(ROOT, mutant));
    expect(commandTarget('/tmp/smith2024/thm2.yaml', 'smith2024.thm2')).toBe('/tmp/smith2024/thm2.yaml');
    expect(commandTarget('-odd.yaml', 'x')).toBe('./-odd.yaml');
  });

  it('quotes a file name so that a POSIX shell reads it back unchanged', () => {
    for (const name of ["/tmp/my papers/o'brien 2024/thm.yaml", '/tmp/$HOME/`x`/a;b.yaml', 'plain/file-1.yaml', '/tmp/tab\there/new\nline.yaml']) {
      const r = spawnSync('sh', ['-c', `printf %s ${shellWord(name)}`], { encoding: 'utf8' });
      expect(r.stdout).toBe(name);
    }
    expect(shellWord('plain/file-1.yaml')).toBe('plain/file-1.yaml');
  });
});

describe('`uses` resolves among the loaded claims, then beside the file, then in the built-in library', () => {
  const user = (uses: string[]) => claimText({ id: 'alpha.user', title: 't', uses });

  it('finds a step in a paper folder next to the using file, and one shipped in claims/, when only the file is loaded', () => {
    const root = tree({
      'alpha/paper.yaml': PAPER('alpha'),
      'alpha/user.yaml': user(['beta.helper#sq', 'vardi2021.thm3-construction#zero_loss_line']),
      'beta/paper.yaml': PAPER('beta'),
      'beta/helper.yaml': claimText({ id: 'beta.helper', title: 't', symbolic: STEP('sq', 'a^2') }),
    });
    const [c] = loadClaims([join(root, 'alpha', 'user.yaml')]).claims;
    const steps = shared(c);
    expect(steps.find((s) => s.id === 'sq')).toMatchObject({ sharedFrom: 'beta.helper', lhs: 'a^2' });
    expect(steps.find((s) => s.id === 'zero_loss_line')?.sharedFrom).toBe('vardi2021.thm3-construction');
  });

  it('the nearest place that has the id decides: loaded, then beside, then built-in', () => {
    const shadow = (lhs: string) => claimText({ id: 'vardi2021.thm3-construction', title: 't', symbolic: STEP('zero_loss_line', lhs) });
    const root = tree({
      'alpha/paper.yaml': PAPER('alpha'),
      'alpha/user.yaml': user(['vardi2021.thm3-construction#zero_loss_line']),
      'beta/paper.yaml': PAPER('beta'),
      'beta/shadow.yaml': shadow('a^3'),
      'elsewhere/gamma/paper.yaml': PAPER('gamma'),
      'elsewhere/gamma/loaded.yaml': shadow('a^4'),
    });
    const alone = loadClaims([join(root, 'alpha', 'user.yaml')]).claims[0];
    expect(shared(alone).find((s) => s.id === 'zero_loss_line')?.lhs).toBe('a^3');
    const together = loadClaims([join(root, 'alpha', 'user.yaml'), join(root, 'elsewhere', 'gamma')]).claims[0];
    expect(shared(together).find((s) => s.id === 'zero_loss_line')?.lhs).toBe('a^4');
  });

  it('an id in two files beside it, or in none (node_modules and hidden folders are not searched), is an error at the entry', () => {
    const helper = claimText({ id: 'beta.helper', title: 't', symbolic: STEP('sq', 'a^2') });
    const root = tree({
      'alpha/paper.yaml': PAPER('alpha'),
      'alpha/user.yaml': user(['beta.helper#sq', 'hidden.x#sq']),
      'beta/paper.yaml': PAPER('beta'),
      'beta/helper.yaml': helper,
      'beta/copy.yaml': helper,
      'node_modules/paper.yaml': PAPER('nm'),
      'node_modules/x.yaml': claimText({ id: 'hidden.x', title: 't', symbolic: STEP('sq', 'a^2') }),
      '.hidden/paper.yaml': PAPER('hidden'),
      '.hidden/x.yaml': claimText({ id: 'hidden.x', title: 't', symbolic: STEP('sq', 'a^2') }),
    });
    const errors = errorsOf(loadClaims([join(root, 'alpha', 'user.yaml')]).claims[0]);
    // the header takes lines 1–6: `uses: ['beta.helper#sq', 'hidden.x#sq']` is line 7
    expect(errors).toContainEqual(expect.stringMatching(/^7:9: uses: "beta\.helper#sq": the claim id "beta\.helper" is in more than one file \(.*copy\.yaml, .*helper\.yaml\)/));
    expect(errors).toContainEqual(expect.stringMatching(/^7:27: uses: no claim "hidden\.x" for the shared step "hidden\.x#sq"/));
  });
});

describe('the skeleton of claimcheck new', () => {
  it('validates as written, with TODO where the paper is to be cited', () => {
    const root = tree({ 'smith2024/paper.yaml': paperSkeleton('smith2024') });
    expect(loadPaper(join(root, 'smith2024')).errors).toEqual([]);
    const c = loadClaimText('smith2024/thm2-rate.yaml', claimSkeleton('smith2024', 'thm2-rate'), 'smith2024');
    if (!c.ok) throw new Error(JSON.stringify(c.errors));
    expect(c.claim.id).toBe('smith2024.thm2-rate');
    expect(c.claim.expect).toBe('holds');
    expect(c.claim.source.location).toMatch(/^TODO/);
    expect(c.claim.statement.text).toMatch(/PLACEHOLDER/);
    expect(c.claim.search?.trials).toBeLessThanOrEqual(8);
  });

  it('refuses names the schema would refuse', () => {
    expect(skeletonNameError('smith2024', 'thm2-rate')).toBeUndefined();
    expect(skeletonNameError('my-paper', 'x')).toBeUndefined();
    for (const bad of ['My-Paper', 'my--paper', '-paper', 'paper-', 'my_paper', 'my.paper'])
      expect(skeletonNameError(bad, 'x'), bad).toMatch(/words joined by single "-"/);
    expect(skeletonNameError('smith2024', 'Thm_2')).toMatch(/a claim name takes/);
    expect(skeletonNameError('smith2024', '.x')).toMatch(/a claim name takes/);
  });
});
