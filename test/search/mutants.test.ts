// The mutant suite (test/mutants): true claims of claims/ with one deliberate error each (a constant
// tightened by 1–10 %, one grid value's bound replaced by another's, a bound false only at a corner of
// the space). Every mutant is false in its declared space; the search at the claim's default size must
// refute it. The engine before issue 18 (random trials only) missed most of them: docs/mutants.md.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadClaims } from '../../src/claims/load.js';
import { ROOT, runCli } from '../helpers.js';

const MUTANTS_DIR = join(ROOT, 'test', 'mutants');

/** Mutants that are false but that the current search does not refute at default size: where the search is weak (docs/mutants.md). */
const KNOWN_MISSES: Record<string, string> = {
  'mutant.l5-leaky-one-step-value.tolerance-tightened': 'fails at about 1.5 % of the γ = 0.1 trial seeds; 10 trials rarely draw one',
};

interface ReportClaim {
  id: string;
  verdict: string;
  reason: string;
  search?: { witness?: { status: string }; trialsRun: number; trialsRequested: number };
}

describe('the mutant suite', () => {
  const { claims } = loadClaims([MUTANTS_DIR]);

  it('loads: every mutant is valid, expects refuted and names itself mutant.*', () => {
    expect(claims.length).toBeGreaterThanOrEqual(15);
    for (const c of claims) {
      expect(c.ok, c.file).toBe(true);
      if (!c.ok) continue;
      expect(c.claim.expect, c.file).toBe('refuted');
      expect(c.claim.id, c.file).toMatch(/^mutant\./);
      expect(c.claim.search, c.file).toBeDefined();
    }
  });

  it('refutes every mutant at its default search size', { tags: ['slow'], timeout: 900_000 }, () => {
    const out = join(mkdtempSync(join(tmpdir(), 'cc-mutants-')), 'report');
    const files = claims.filter((c) => c.ok).map((c) => join(ROOT, c.file));
    const run = runCli(['run', ...files, '--no-cache', '--no-boundary', '--out', out]);
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as { claims: ReportClaim[] };
    const byId = new Map(report.claims.map((c) => [c.id, c]));
    const killed = (c: ReportClaim | undefined) => c?.verdict === 'refuted' && ['genuine', 'potential'].includes(c.search?.witness?.status ?? '');
    const rows = [...byId.values()].map((c) => `${c.id}: ${killed(c) ? `killed (${c.search?.witness?.status}, ${c.search?.trialsRun} trials)` : c.verdict}`);
    const kills = [...byId.values()].filter(killed).length;
    console.log(`mutants killed: ${kills} of ${byId.size}\n${rows.join('\n')}`);
    expect(byId.size, run.out + run.err).toBe(files.length);
    for (const c of claims) {
      if (!c.ok) continue;
      const r = byId.get(c.claim.id);
      if (c.claim.id in KNOWN_MISSES)
        expect(killed(r), `${c.claim.id} is a known miss: ${KNOWN_MISSES[c.claim.id]}; now killed, move it out of KNOWN_MISSES`).toBe(false);
      else expect(killed(r), `${c.claim.id}: ${r?.verdict} — ${r?.reason}`).toBe(true);
    }
  });
});
