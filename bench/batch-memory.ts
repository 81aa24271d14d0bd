// The memory of the largest batch a search sends to one worker (issue 21): the Sec. 3.2 experiment of
// Timor et al. at the authors' scale (claims/timor2022/experiment-stable-ranks.yaml under --full), one
// batch of trialBatchSize(…) lanes run on this thread. Peak resident memory is the process's high-water
// mark (getrusage's maxRSS) after a warm-up batch of the same shape: what the batch adds to it.
import { join } from 'node:path';
import { loadClaims } from '../src/claims/load.js';
import { searchAtScale } from '../src/claims/schema.js';
import { planTrials } from '../src/search/phases.js';
import { trialBatchSize } from '../src/search/search.js';
import { runTrials } from '../src/search/trial.js';

const ROOT = join(import.meta.dirname, '..');

export function largestBatchMemory(threads = 2, steps?: number): string {
  const c = loadClaims([join(ROOT, 'claims', 'timor2022', 'experiment-stable-ranks.yaml')]).claims[0];
  if (!c.ok) throw new Error('timor2022/experiment-stable-ranks.yaml does not load');
  const spec = searchAtScale(c.claim.search!, true);
  const lanes = trialBatchSize(spec, spec.trials, threads);
  const values = planTrials(spec, spec.seed, spec.trials)
    .trials.slice(0, lanes)
    .map((t) => (steps ? { ...t.values, steps } : t.values));
  runTrials(
    spec,
    values.slice(0, 2).map((v) => ({ ...v, steps: 10 })),
  );
  const before = process.resourceUsage().maxRSS;
  const heap0 = process.memoryUsage().heapUsed;
  const t0 = performance.now();
  const results = runTrials(spec, values);
  const s = (performance.now() - t0) / 1000;
  const grown = process.resourceUsage().maxRSS - before;
  const heap = process.memoryUsage().heapUsed - heap0;
  const stepsRun = values[0].steps ?? '(the claim’s)';
  return `The largest batch (${c.claim.id} at full scale: ${lanes} lanes of ${stepsRun} GD steps, ${results.filter((r) => r.status === 'pass').length} pass): ${s.toFixed(1)} s; the process's peak resident memory grew by ${(grown / 1024).toFixed(1)} MB during it (peak ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB in all, heap ${heap < 0 ? '−' : '+'}${(Math.abs(heap) / 2 ** 20).toFixed(1)} MB after it).`;
}

if (import.meta.url === `file://${process.argv[1]}`) console.log(largestBatchMemory(2, process.argv[2] ? Number(process.argv[2]) : undefined));
