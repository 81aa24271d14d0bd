// Compares two claimcheck report.json files (a merged one and an unsharded one), timings and environment
// aside; prints the paths that differ and exits 1 if any does.
//   node scripts/slurm/compare-reports.mjs MERGED/report.json UNSHARDED/report.json
import { readFileSync } from 'node:fs';

// Keys whose values are allowed to differ between two runs of the same claims:
//   ms, wallMs, trialsPerSecond, workerMs — wall-clock and worker times (the merged wallMs is the sum over the shards);
//   generatedAt — when the report was written;
//   environment — host, CPU, load, Node flags, git state of the process that wrote the report;
//   reusedTrials — trials this process had already computed for an earlier claim, which depends on
//     which claims share a process (a shard runs fewer), not on the results.
// The same set as reportWithoutTimings in test/helpers.ts, which test/e2e/shard.test.ts uses.
const IGNORED = ['ms', 'wallMs', 'trialsPerSecond', 'workerMs', 'reusedTrials', 'generatedAt', 'environment'];

/** The paths (a.b[3].c) at which x and y differ, ignoring the IGNORED keys, at most `limit` of them. */
function differences(x, y, limit = 20, path = '', out = []) {
  if (out.length >= limit) return out;
  if (Array.isArray(x) && Array.isArray(y)) {
    if (x.length !== y.length) out.push(`${path}: ${x.length} vs ${y.length} entries`);
    for (let i = 0; i < Math.min(x.length, y.length); i++) differences(x[i], y[i], limit, `${path}[${i}]`, out);
  } else if (x && y && typeof x === 'object' && typeof y === 'object' && !Array.isArray(x) && !Array.isArray(y)) {
    for (const k of new Set([...Object.keys(x), ...Object.keys(y)])) {
      if (IGNORED.includes(k)) continue;
      const p = path ? `${path}.${k}` : k;
      if (!(k in x) || !(k in y)) out.push(`${p}: only in the ${k in x ? 'first' : 'second'} report`);
      else differences(x[k], y[k], limit, p, out);
    }
  } else if (!Object.is(x, y)) out.push(`${path}: ${JSON.stringify(x)?.slice(0, 80)} vs ${JSON.stringify(y)?.slice(0, 80)}`);
  return out.slice(0, limit);
}

const [a, b] = process.argv.slice(2);
if (!a || !b) {
  console.error('usage: node scripts/slurm/compare-reports.mjs A/report.json B/report.json');
  process.exit(2);
}
const [x, y] = [a, b].map((f) => JSON.parse(readFileSync(f, 'utf8')));
const diff = differences(x, y);
if (diff.length) {
  console.log(`reports differ (${IGNORED.join(', ')} ignored), first differences:`);
  for (const d of diff) console.log(`  ${d}`);
  process.exit(1);
}
const s = x.summary ?? {};
console.log(`reports equal (${IGNORED.join(', ')} ignored): ${x.claims.length} claims, ${s.matching ?? '?'} agree with the paper's assertion`);
