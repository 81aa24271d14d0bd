// `npx tsx bench/replay.ts [claim ids…] [--report path/report.json]`: the cost of re-checking a witness
// against rounding (issue 19). For each claim expected refuted (or those named), its witness's values
// are read from a report (default reports/latest/report.json), and the trial is timed in float64
// (runTrial) and as the search's double-double replay (runTrial with precision 'dd' and sameSteps:
// the float64 run recording its accepted steps, then double-double along them). A benchmark, not a test.
import { join } from 'node:path';
import { loadClaims } from '../src/claims/load.js';
import { searchAtScale } from '../src/claims/schema.js';
import { readReportFile } from '../src/report/read.js';
import { runTrial, type TrialOptions, type TrialResult } from '../src/search/trial.js';

const ROOT = join(import.meta.dirname, '..');
let reportFile = join(ROOT, 'reports', 'latest', 'report.json');
const ids: string[] = [];
for (let k = 2; k < process.argv.length; k++) {
  if (process.argv[k] === '--report') reportFile = process.argv[++k];
  else ids.push(process.argv[k]);
}

const report = readReportFile(reportFile);
const inReport = new Map(report.claims.map((c) => [c.id, c]));
const loads = loadClaims([join(ROOT, 'claims')]).claims.flatMap((l) => (l.ok ? [l] : []));
const chosen = ids.length ? ids.map((id) => loads.find((l) => l.claim.id === id) ?? id) : loads.filter((l) => l.claim.expect === 'refuted' && l.claim.search);

/**
 * Repeated while under 2 s in all (at most 10 runs), since a short trial's first runs are dominated by
 * the JIT compiling its code: the first run's ms, the best, and the best run's result.
 */
function timed(run: () => TrialResult): { first: number; best: number; result: TrialResult } {
  let first = 0,
    best = Infinity,
    spent = 0,
    result: TrialResult | undefined;
  for (let k = 0; k < 10 && (k === 0 || spent < 2000); k++) {
    const t0 = performance.now();
    const r = run();
    const ms = performance.now() - t0;
    if (k === 0) first = ms;
    if (ms < best) ((best = ms), (result = r));
    spent += ms;
  }
  return { first, best, result: result! };
}

/** The largest change of a side of the deciding comparison, relative to the larger side. */
function sidesMoved(a: TrialResult['property'], b: TrialResult['property']): number | undefined {
  if (a?.lhs === undefined || b?.lhs === undefined) return undefined;
  const scale = Math.max(Math.abs(a.lhs), Math.abs(a.rhs!), Math.abs(b.lhs), Math.abs(b.rhs!));
  return Math.max(Math.abs(a.lhs - b.lhs), Math.abs(a.rhs! - b.rhs!)) / (scale || 1);
}

const fmtMs = (ms: number) => (ms < 10 ? ms.toFixed(2) : ms < 1000 ? ms.toFixed(1) : ms.toFixed(0));
const stale: string[] = [];
const totals = { f64: 0, replay: 0, ratios: [] as number[], replays: [] as number[] };
console.log(`witnesses from ${reportFile} (${report.generatedAt}, ${report.options.full ? 'full' : 'CI'} scale); node ${process.version}, one thread`);
console.log('replay = float64 run recording its steps + double-double along them (the search’s re-check); dd = the double-double run alone');
console.log('ms: the best of repeated runs (while under 2 s in all, ≤ 10), JIT warm; 1st replay: the replay’s first run in this process, as a search meets it');
console.log('same sides: the replay fails too, with the sides of the deciding comparison moved ≤ 10⁻⁶ (relative) or the violation by ≤ 10⁻³ of itself\n');
console.log(
  `${'claim'.padEnd(44)}${'float64 ms'.padStart(11)}${'replay ms'.padStart(11)}${'dd ms'.padStart(10)}${'1st replay'.padStart(11)}${'ratio'.padStart(8)}  ${'replay'.padEnd(10)}${'sides moved'.padStart(12)}  same sides  paths part at step`,
);
for (const c of chosen) {
  const id = typeof c === 'string' ? c : c.claim.id;
  const r = inReport.get(id);
  const witness = r?.search?.witness;
  if (typeof c === 'string' || !c.claim.search || !witness || r!.hash !== c.hash) {
    const why =
      typeof c === 'string'
        ? 'no such claim'
        : !c.claim.search
          ? 'no search'
          : !r
            ? 'not in the report'
            : r.hash !== c.hash
              ? 'claim changed since the report'
              : r.search?.frequency
                ? 'a frequency claim: refuted by a rate, no single witness'
                : 'no witness in the report';
    if (typeof c !== 'string' && c.claim.search && !(r?.hash === c.hash && r.search?.frequency)) stale.push(id);
    console.log(`${id.padEnd(44)}(${why})`);
    continue;
  }
  const spec = searchAtScale(c.claim.search, !!report.options.full);
  const values = witness.values;
  const o: TrialOptions = { claim: id };
  const f64 = timed(() => runTrial(spec, values, o));
  const replay = timed(() => runTrial(spec, values, { ...o, precision: 'dd', sameSteps: true }));
  const a = f64.result,
    b = replay.result;
  const moved = sidesMoved(a.property, b.property);
  const violation = a.property?.lhs !== undefined ? Math.abs(a.property.lhs - a.property.rhs!) : 0;
  const scale = Math.max(...[a.property?.lhs, a.property?.rhs, b.property?.lhs, b.property?.rhs].map((v) => Math.abs(v ?? 0)));
  const same = a.status === 'fail' && b.status === 'fail' && (moved === undefined || moved <= 1e-6 || moved * scale <= 1e-3 * violation);
  const part = b.precision?.part;
  totals.f64 += f64.best;
  totals.replay += replay.best;
  totals.ratios.push(replay.best / f64.best);
  totals.replays.push(replay.best);
  console.log(
    `${id.padEnd(44)}${fmtMs(f64.best).padStart(11)}${fmtMs(replay.best).padStart(11)}${fmtMs(b.ms).padStart(10)}${fmtMs(replay.first).padStart(11)}${(replay.best / f64.best).toFixed(1).padStart(7)}×  ${b.status.padEnd(10)}${(moved === undefined ? '–' : moved.toExponential(1)).padStart(12)}  ${(a.status !== 'fail' ? `no (float64: ${a.status})` : same ? 'yes' : 'no').padEnd(10)}  ${part ? `${part.step}: ${part.what}` : b.message && b.status !== 'fail' ? `(${b.message})` : ''}`,
  );
}
const n = totals.ratios.length;
if (n) {
  const median = (v: number[]) => v.sort((x, y) => x - y)[Math.floor(v.length / 2)];
  console.log(
    `\n${n} witnesses: float64 ${fmtMs(totals.f64)} ms in all, replay ${fmtMs(totals.replay)} ms in all; per witness: mean ${fmtMs(totals.replay / n)} ms, median ${fmtMs(median(totals.replays))} ms, max ${fmtMs(Math.max(...totals.replays))} ms; median ratio ${median(totals.ratios).toFixed(1)}×`,
  );
}
if (stale.length)
  console.log(
    `\nNo usable witness for ${stale.length} claim(s); a fresh report: node bin/claimcheck.js run ${stale.join(' ')} --no-boundary --out /tmp/h6-report`,
  );
