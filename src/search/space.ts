// Search spaces: each declared domain becomes a finite, readable grid, and the space a fast-check
// record of grid indices, so shrinking moves towards the grid's first value (smaller sizes, rounder
// numbers) and never into subnormals. Every trial also draws its own `seed`, shrinking towards 0.
import fc from 'fast-check';
import type { Domain } from '../claims/schema.js';

export const SEED_MAX = 999_999;

/** Round to 12 significant digits so grid values print as the numbers a person would write. */
function tidy(x: number): number {
  return Number(x.toPrecision(12));
}

export function domainValues(d: Domain): number[] {
  if (d.int) {
    const out: number[] = [];
    for (let i = d.int[0]; i <= d.int[1]; i++) out.push(i);
    return out;
  }
  if (d.grid) return d.grid;
  if (d.range) {
    const [a, b] = d.range;
    const n = Math.floor((b - a) / d.step! + 1e-9);
    return Array.from({ length: n + 1 }, (_, i) => tidy(a + i * d.step!));
  }
  const [a, b] = d.log!;
  const k = d.per_decade!;
  const n = Math.floor(Math.log10(b / a) * k + 1e-9);
  return Array.from({ length: n + 1 }, (_, i) => tidy(a * Math.pow(10, i / k)));
}

export type TrialValues = Record<string, number>;

export function spaceArbitrary(space: Record<string, Domain>): fc.Arbitrary<TrialValues> {
  const fields: Record<string, fc.Arbitrary<number>> = {};
  for (const [name, d] of Object.entries(space)) {
    const values = domainValues(d);
    if (d.int) fields[name] = fc.integer({ min: d.int[0], max: d.int[1] });
    else
      fields[name] = fc.integer({ min: 0, max: values.length - 1 }).map(
        (i) => values[i],
        (v) => {
          const i = values.indexOf(v as number);
          if (i < 0) throw new Error('not a grid value');
          return i;
        },
      );
  }
  fields.seed = fc.integer({ min: 0, max: SEED_MAX });
  return fc.record(fields).map((r) => ({ ...r }) as TrialValues);
}

/** The first n points fast-check's run with this seed visits, in order (path "k" is the k-th). */
export function sampleSpace(space: Record<string, Domain>, seed: number, n: number): TrialValues[] {
  return fc.sample(spaceArbitrary(space), { seed, numRuns: n });
}
