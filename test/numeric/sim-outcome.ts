// Bit-for-bit comparison of two dynamics runs (a generated kernel against the path it replaces), errors included.
import { expect } from 'vitest';
import type { SimResult } from '../../src/numeric/dynamics.js';

/** Each number as a string that tells −0 and NaN apart. */
export const bits = (a: ArrayLike<number>) => Array.from(a, (x) => (Number.isNaN(x) ? 'NaN' : Object.is(x, -0) ? '-0' : x.toString()));

export function expectSameResult(a: SimResult, b: SimResult) {
  expect(bits(a.theta)).toEqual(bits(b.theta));
  expect(Object.is(a.loss, b.loss)).toBe(true);
  expect({ ...a, theta: [], snapshots: undefined }).toEqual({ ...b, theta: [], snapshots: undefined });
  expect(a.snapshots?.map((s) => [s.step, bits(s.theta)])).toEqual(b.snapshots?.map((s) => [s.step, bits(s.theta)]));
}

/** The run's result, or the error it throws (class and message). */
export function outcome(run: () => SimResult | undefined): SimResult | string {
  try {
    const r = run();
    if (!r) throw new Error('no kernel');
    return r;
  } catch (e) {
    return `${(e as Error).constructor.name}: ${(e as Error).message}`;
  }
}

export function expectSameOutcome(a: SimResult | string, b: SimResult | string) {
  if (typeof a === 'string' || typeof b === 'string') expect(a).toEqual(b);
  else expectSameResult(a, b);
}
