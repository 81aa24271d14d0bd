// `npx tsx bench/strategies.ts [folder…]`: the guided phase's two strategies compared on claims that
// are false (default: the mutant suite, test/mutants). Each claim's search runs once per strategy
// with the same covering and random phases and a guided budget of GUIDED_X × its trials; the number
// of judged trials until the first counterexample ("trials to refute") is printed per claim, with
// the median over the claims both refute. A benchmark, not a test.
import { join } from 'node:path';
import { loadClaims } from '../src/claims/load.js';
import type { SearchSpec } from '../src/claims/schema.js';
import { createPool } from '../src/search/pool.js';
import { runSearch } from '../src/search/search.js';

const GUIDED_X = Number(process.env.GUIDED_X ?? 2);
const STRATEGIES = ['hill-climb', 'cross-entropy'] as const;
const dirs = process.argv.slice(2);
const { claims } = loadClaims(dirs.length ? dirs : [join(import.meta.dirname, '..', 'test', 'mutants')]);
const pool = createPool(Number(process.env.THREADS ?? 2));
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? (s[(s.length - 1) >> 1] + s[s.length >> 1]) / 2 : NaN;
};

const rows: Array<{ id: string; n: number; by: Record<string, number | undefined>; phase: Record<string, string> }> = [];
for (const c of claims) {
  if (!c.ok || !c.claim.search || c.claim.search.frequency) continue;
  const base = c.claim.search;
  const by: Record<string, number | undefined> = {};
  const phase: Record<string, string> = {};
  for (const strategy of STRATEGIES) {
    const spec: SearchSpec = { ...base, guided: { strategy, trials: GUIDED_X * base.trials } };
    const r = await runSearch(spec, { claimId: c.claim.id, runner: pool, shrinkBudgetMs: 1 });
    by[strategy] = r.verdict === 'refuted' ? r.trialsRun : undefined;
    phase[strategy] = r.witness?.phase ?? r.verdict;
  }
  rows.push({ id: c.claim.id, n: base.trials, by, phase });
  console.log(
    `${c.claim.id.padEnd(56)} trials ${String(base.trials).padStart(4)}  ${STRATEGIES.map((s) => `${s}: ${by[s] ?? 'missed'} (${phase[s]})`).join('   ')}`,
  );
}
await pool.close();
const both = rows.filter((r) => STRATEGIES.every((s) => r.by[s] !== undefined));
const guidedOnly = both.filter((r) => STRATEGIES.some((s) => r.phase[s] === 'guided'));
for (const s of STRATEGIES) {
  const killed = rows.filter((r) => r.by[s] !== undefined).length;
  console.log(
    `${s}: refuted ${killed}/${rows.length}; median trials to refute where a guided phase decided (${guidedOnly.length} claims): ${median(guidedOnly.map((r) => r.by[s]!))}`,
  );
}
