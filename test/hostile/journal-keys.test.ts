// Issue #17 review, journal keys: a boundary cell or trajectory run that is also a search trial is
// keyed as the search keys it (the claim id among the trial options), so it runs once; and a key does
// not depend on the order of an object's fields.
import { describe, expect, it } from 'vitest';
import type { BoundarySpec, SearchSpec, TrajectorySpec } from '../../src/claims/schema.js';
import { journaledRunner, openJournal } from '../../src/search/journal.js';
import { runBoundary } from '../../src/search/boundary.js';
import { inlineRunner, type TrialRunner } from '../../src/search/pool.js';
import { runSearch } from '../../src/search/search.js';
import type { TrialValues } from '../../src/search/space.js';
import { runTrajectory } from '../../src/search/trajectory.js';
import { searchFixture } from '../helpers.js';

const ENGINE = 'd'.repeat(64);

/** An inline runner that records the trials it really ran. */
function counting(): { runner: TrialRunner; ran: TrialValues[] } {
  const inner = inlineRunner();
  const ran: TrialValues[] = [];
  return {
    ran,
    runner: {
      ...inner,
      trial: (spec, values, t, options, faults) => (ran.push(values), inner.trial(spec, values, t, options, faults)),
      run: (spec, values, t, options) => (ran.push(values), inner.run(spec, values, t, options)),
    },
  };
}

const SPEC: SearchSpec = searchFixture(`trials: 3
space: { m: { grid: [2, 3] }, d: { grid: [2, 4] } }
model: { block: two-layer, d: d, width: m, w_scale: 1 }
metrics: { srank: { block: stable-rank, layer: W, at: initial } }
property: 'srank >= 1'`);

describe('trials of a boundary or trajectory that a search already ran are not run again', () => {
  it('a boundary cell at a search trial’s values and seed is answered from the journal', async () => {
    const { runner: inner, ran } = counting();
    const runner = journaledRunner(inner, openJournal(undefined, ENGINE), openJournal(undefined, ENGINE));
    await runSearch(SPEC, { claimId: 'c', runner });
    const searched = ran.length;
    expect(searched).toBeGreaterThan(0);
    const t = ran[0];
    // the same point, its fields in another order (y before x, seed in the middle)
    const b = {
      x: { var: 'm', values: [t.m], log: false },
      y: { var: 'd', values: [t.d], log: false },
      metric: 'srank',
      fixed: {},
      seed: t.seed,
      seeds: 1,
      aggregate: 'median',
      curves: [],
    } as unknown as BoundarySpec;
    const r = await runBoundary(SPEC, b, runner, undefined, 'c');
    expect(r.cells).toHaveLength(1);
    expect(ran.length).toBe(searched);
  });

  it('a trajectory run is keyed with its claim: the same run for another claim is run again, for the same claim it is not', async () => {
    const { runner: inner, ran } = counting();
    const runner = journaledRunner(inner, openJournal(undefined, ENGINE), openJournal(undefined, ENGINE));
    const t = { layer: 'W', x: 'step', y: 'fro', fixed: { m: 2, d: 2 }, seed: 5, series: { var: 'm', values: [2] }, curves: [] } as unknown as TrajectorySpec;
    await runTrajectory(SPEC, t, runner, 'c');
    expect(ran.length).toBe(1);
    await runTrajectory(SPEC, t, runner, 'c');
    expect(ran.length).toBe(1);
    // the trace options as the claim 'c' gives them, in another field order: the same key
    await runner.run(SPEC, { seed: 5, d: 2, m: 2 }, 1000, { claim: 'c', trace: { until: undefined, y: 'fro', x: 'step', layer: 'W' } });
    expect(ran.length).toBe(1);
    await runTrajectory(SPEC, t, runner, 'other');
    expect(ran.length).toBe(2);
  });
});

describe('journal keys are canonical', () => {
  it('the same parts with their fields in another order are the same key', async () => {
    const j = openJournal(undefined, ENGINE);
    let computed = 0;
    const compute = async () => ++computed;
    await j.once(['trial', { a: 1, b: { c: 2, d: [1, { e: 3, f: 4 }] } }], compute, () => true);
    const again = await j.once(['trial', { b: { d: [1, { f: 4, e: 3 }], c: 2 }, a: 1 }], compute, () => true);
    expect(again).toEqual({ value: 1, reused: true });
    expect(computed).toBe(1);
    // arrays keep their order: a different key
    await j.once(['trial', { a: 1, b: { c: 2, d: [{ e: 3, f: 4 }, 1] } }], compute, () => true);
    expect(computed).toBe(2);
  });
});
