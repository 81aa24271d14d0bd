// Issue #17, resources, fuzzed: a real claim file with a huge, tiny or negative number put into one
// of its size fields (trials, domain ends, block sizes, steps, boundary seeds, symbolic points) is
// always a clean validation error, or a claim whose worst case is within the limits and whose space
// samples in bounded time. Never a crash. CI runs a few hundred cases; FUZZ_RUNS=10000 nightly.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseDocument } from 'yaml';
import { LIMITS } from '../../src/claims/limits.js';
import { loadClaimText } from '../../src/claims/load.js';
import { buildPlan } from '../../src/claims/plan.js';
import { searchAtScale } from '../../src/claims/schema.js';
import { sampleSpace } from '../../src/search/space.js';
import { FC_SEED } from '../helpers.js';

const RUNS = Number(process.env.FUZZ_RUNS ?? 300);
const ROOT = join(import.meta.dirname, '..', '..', 'claims');
const FILES = readdirSync(ROOT, { recursive: true, encoding: 'utf8' })
  .filter((f) => f.endsWith('.yaml') && !f.endsWith('paper.yaml'))
  .sort()
  .map((f) => ({ name: `claims/${f}`, text: readFileSync(join(ROOT, f), 'utf8') }));

const SIZE_KEYS = new Set([
  'trials',
  'int',
  'log',
  'grid',
  'range',
  'step',
  'per_decade',
  'n',
  'd',
  'width',
  'depth',
  'rows',
  'cols',
  'sizes',
  'dims',
  'rank',
  'steps',
  'max_steps',
  'time',
  'eta',
  'seeds',
  'points',
  'observed',
  'batch',
  'd_in',
  'd_out',
]);

/** Paths to every number under a size key. */
function sizePaths(v: unknown, at: (string | number)[] = [], under = false): (string | number)[][] {
  if (typeof v === 'number') return under ? [at] : [];
  if (Array.isArray(v)) return v.flatMap((x, i) => sizePaths(x, [...at, i], under));
  if (v && typeof v === 'object') return Object.entries(v).flatMap(([k, x]) => sizePaths(x, [...at, k], under || SIZE_KEYS.has(k)));
  return [];
}

const huge = fc.oneof(
  fc.constantFrom(1e6, 1e7, 1e9, 1e12, 2 ** 53, 1e15, 1e300, -1, 0, 1e-300, 0.5, 4096, 20000),
  fc.integer({ min: 1, max: 1e9 }),
  fc.double({ min: 1e-300, max: 1e300, noNaN: true }),
);

describe('hostile sizes in real claim files', () => {
  it('a huge size in any size field is a clean validation error, or within every limit and sampled in bounded time', () => {
    const tally = { refused: 0, accepted: 0 };
    fc.assert(
      fc.property(fc.nat(FILES.length - 1), fc.nat(), huge, (fi, pick, value) => {
        const file = FILES[fi];
        const doc = parseDocument(file.text);
        const paths = sizePaths(doc.toJS());
        if (!paths.length) return;
        doc.setIn(paths[pick % paths.length], value);
        const r = loadClaimText(file.name, doc.toString(), 'fuzz');
        if (!r.ok) {
          tally.refused++;
          for (const e of r.errors) expect(e.line).toBeGreaterThanOrEqual(1);
          return;
        }
        tally.accepted++;
        const c = r.claim;
        if (c.boundary)
          expect(c.boundary.x.values.length * (c.boundary.y?.values.length ?? 1) * c.boundary.seeds).toBeLessThanOrEqual(LIMITS.boundaryTrials.value);
        for (const s of c.symbolic) expect(Object.keys(s.variables).length).toBeLessThanOrEqual(LIMITS.stepVariables.value);
        if (!c.search) return;
        for (const full of [false, true]) {
          const spec = searchAtScale(c.search, full);
          expect(spec.trials).toBeLessThanOrEqual(LIMITS.trials.value);
          const plan = buildPlan(spec, () => {});
          expect(plan.footprint.work).toBeLessThanOrEqual(LIMITS.work.value);
          expect(plan.footprint.steps).toBeLessThanOrEqual(LIMITS.steps.value);
          const t0 = performance.now();
          for (const p of sampleSpace(spec.space, 1, 3)) for (const x of Object.values(p)) expect(Number.isFinite(x)).toBe(true);
          expect(performance.now() - t0).toBeLessThan(2000);
        }
      }),
      { seed: FC_SEED, numRuns: RUNS },
    );
    expect(tally.refused).toBeGreaterThan(0);
    expect(tally.accepted).toBeGreaterThan(0);
  }, 600_000);
});
