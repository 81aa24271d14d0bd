// Search spaces: each declared domain becomes a finite, readable grid, and the space a fast-check
// record of grid indices, so shrinking moves towards the grid's first value (smaller sizes, rounder
// numbers) and never into subnormals. Every trial also draws its own `seed`, shrinking towards 0.
// Domains are never listed: the k-th value is computed (an int range of 10¹² values is sampled as cheaply as a grid of 3).
import fc from 'fast-check';
import { decades, domainSize, domainValue, type Domain } from '../claims/schema.js';

export { domainSize, domainValue };

export const SEED_MAX = 999_999;

/** The index of a value of the domain, or -1. */
export function domainIndex(d: Domain, v: number): number {
  if (d.grid) return d.grid.indexOf(v);
  const n = domainSize(d);
  let guess: number;
  if (d.int) guess = v - d.int[0];
  else if (d.range) guess = Math.round((v - d.range[0]) / d.step!);
  else guess = Math.round(decades(d.log![0], v) * d.per_decade!);
  for (const i of [guess, guess - 1, guess + 1]) if (Number.isInteger(i) && i >= 0 && i < n && domainValue(d, i) === v) return i;
  return -1;
}

/** Every value of a domain: for tests and small domains only (a caller must bound domainSize first). */
export function domainValues(d: Domain, max = 100_000): number[] {
  const n = domainSize(d);
  if (!(n <= max)) throw new RangeError(`a domain of ${n} values is not listed (at most ${max})`);
  return Array.from({ length: n }, (_, i) => domainValue(d, i));
}

export type TrialValues = Record<string, number>;

export function spaceArbitrary(space: Record<string, Domain>): fc.Arbitrary<TrialValues> {
  const fields: Record<string, fc.Arbitrary<number>> = {};
  for (const [name, d] of Object.entries(space)) {
    if (d.int) fields[name] = fc.integer({ min: d.int[0], max: d.int[1] });
    else
      fields[name] = fc.integer({ min: 0, max: domainSize(d) - 1 }).map(
        (i) => domainValue(d, i),
        (v) => {
          const i = domainIndex(d, v as number);
          if (i < 0) throw new Error('not a grid value');
          return i;
        },
      );
  }
  // the seed is not shrunk: a smaller seed is no simpler a trial, and each shrink step re-runs the simulation
  fields.seed = fc.noShrink(fc.integer({ min: 0, max: SEED_MAX }));
  // the unmapper lets fast-check shrink a point given as an example (covering and guided witnesses)
  return fc.record(fields).map(
    (r) => ({ ...r }) as TrialValues,
    (v) => ({ ...(v as TrialValues) }),
  );
}

/** The first n points fast-check's run with this seed visits, in order (path "k" is the k-th). */
export function sampleSpace(space: Record<string, Domain>, seed: number, n: number): TrialValues[] {
  return fc.sample(spaceArbitrary(space), { seed, numRuns: n });
}
