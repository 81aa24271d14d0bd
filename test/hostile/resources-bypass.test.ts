// Issue #17 review, resources: sizes validation cannot bound are bounded when a trial builds its
// blocks. A size that peaks between the probed values, or that uses a data statistic (known only in
// a trial), validates; its trial is `error: size — …` before anything is allocated. The worker heap
// limit does not count Float64Array storage, so this run-time check is the real bound.
import { afterEach, describe, expect, it } from 'vitest';
import { LIMITS } from '../../src/claims/limits.js';
import { loadClaimText, type ValidationError } from '../../src/claims/load.js';
import { planSearch } from '../../src/claims/plan.js';
import { createPool } from '../../src/search/pool.js';
import { runTrial } from '../../src/search/trial.js';
import { claimWithSearch, searchFixture } from '../helpers.js';

function errorsOf(text: string): ValidationError[] {
  const r = loadClaimText('hostile.yaml', text, 't');
  return r.ok ? [] : r.errors;
}

const search = (space: string, width: string, dynamics = 'dynamics: { block: gradient-descent, steps: 3, eta: 0.01 }') => `trials: 2
space: { ${space} }
data: { block: isotropic-gaussian, n: 4, d: 10 }
model: { block: two-layer, d: 10, width: '${width}', w_scale: 1 }
loss: { block: square }
${dynamics}
metrics: { s: { block: loss } }
property: 's >= 0'`;

const saved = { entries: LIMITS.entries.value, steps: LIMITS.steps.value };
afterEach(() => {
  LIMITS.entries.value = saved.entries;
  LIMITS.steps.value = saved.steps;
});

describe('a size validation cannot bound is bounded when the trial builds the block', () => {
  it('width 4 + 100000·(x == 7) over x ∈ [0, 100] validates (7 falls between probes); the trial at x = 7 is error: size', () => {
    LIMITS.entries.value = 100_000;
    const text = search('x: { int: [0, 100] }', '4 + 100000 * (x == 7)');
    expect(errorsOf(claimWithSearch(text))).toEqual([]);
    const spec = searchFixture(text);
    expect(runTrial(spec, { x: 6, seed: 1 }).status).toBe('pass');
    const r = runTrial(spec, { x: 7, seed: 1 });
    expect(r.status).toBe('error');
    expect(r.message).toMatch(
      /^size — model block "two-layer": width 100004 × \(d 10 \+ 2\) parameters: 1\.20e6 exceeds the limit of 100000 .*CLAIMCHECK_MAX_ENTRIES/,
    );
  });

  it('a non-monotone size that a dense probe reaches is a validation error (x == 5 over [0, 100])', () => {
    LIMITS.entries.value = 100_000;
    const e = errorsOf(claimWithSearch(search('x: { int: [0, 100] }', '4 + 100000 * (x == 5)')));
    expect(e.find((x) => x.path === 'search.model.width')?.message).toMatch(/CLAIMCHECK_MAX_ENTRIES/);
  });

  it('width 4 + 100000·⌈Rmax⌉ (a data statistic) validates, noted as unbounded, and its trial is error: size', () => {
    LIMITS.entries.value = 100_000;
    const text = search('a: { grid: [1] }', '4 + 100000 * ceil(Rmax)');
    expect(errorsOf(claimWithSearch(text))).toEqual([]);
    const spec = searchFixture(text);
    expect(planSearch(spec).footprint.unbounded).toEqual(['model']);
    const r = runTrial(spec, { a: 1, seed: 1 });
    expect(r.status).toBe('error');
    expect(r.message).toMatch(/^size — model block "two-layer": width \d+ × \(d 10 \+ 2\) parameters: .*CLAIMCHECK_MAX_ENTRIES/);
  });

  it('steps 10 + 1000·⌈Rmax⌉ past the steps limit is error: size before the dynamics runs', () => {
    LIMITS.steps.value = 1000;
    const text = search('a: { grid: [1] }', '3', "dynamics: { block: gradient-descent, steps: '10 + 1000 * ceil(Rmax)', eta: 0.01 }");
    expect(errorsOf(claimWithSearch(text))).toEqual([]);
    const r = runTrial(searchFixture(text), { a: 1, seed: 1 });
    expect(r.status).toBe('error');
    expect(r.message).toMatch(/^size — dynamics block "gradient-descent": steps \d+: .*CLAIMCHECK_MAX_STEPS/);
  });

  it('a relu-net of depth 10^9 (a list of 10^9 widths) is error: size, not an invalid array length', () => {
    const text = `trials: 1
space: { a: { int: [0, 1000] } }
model: { block: relu-net, d_in: 2, width: 3, depth: '1 + 1e9 * (a == 7)', d_out: 1, scale: 1 }
metrics: { s: { block: stable-rank, layer: W1, at: initial } }
property: 's >= 0'`;
    const r = runTrial(searchFixture(text), { a: 7, seed: 1 });
    expect(r.status).toBe('error');
    expect(r.message).toMatch(/^size — model block "relu-net": .*CLAIMCHECK_MAX_ENTRIES/);
  });
});

describe('typed arrays, which the worker heap limit does not count', () => {
  it('on a 64 MB worker, a block asking for 1.5 GB of Float64Array is an error trial, and the pool goes on', { timeout: 60_000 }, async () => {
    // width ≈ 4 + 4·10^6·⌈Rmax⌉ (Rmax ≈ 4): ≈ 1.9·10^8 parameters, ≈ 1.5 GB
    const spec = searchFixture(search('a: { grid: [1] }', '4 + 4000000 * ceil(Rmax)'));
    const pool = createPool(1, { memoryMb: 64 });
    try {
      const o = await pool.trial(spec, { a: 1, seed: 0 }, 60_000);
      expect(o.result.status).toBe('error');
      expect(o.result.message).toMatch(/^size — model block "two-layer": .*CLAIMCHECK_MAX_ENTRIES/);
      const ok = searchFixture(search('a: { grid: [1] }', '3'));
      expect((await pool.trial(ok, { a: 1, seed: 0 }, 60_000)).result.status).toBe('pass');
    } finally {
      await pool.close();
    }
  });

  it('the typed-array fault injection fills Float64Arrays up to the entries limit and ends error: size', { timeout: 60_000 }, async () => {
    const spec = searchFixture(search('a: { grid: [1] }', '3'));
    const pool = createPool(1, { memoryMb: 64 });
    try {
      const o = await pool.trial(spec, { a: 1, seed: 0 }, 60_000, undefined, { exhaustHeap: 'typed' });
      expect(o.result.status).toBe('error');
      expect(o.result.message).toMatch(/^size — fault injection: \d+ typed arrays of 1048576 numbers: .*CLAIMCHECK_MAX_ENTRIES/);
      expect(o.retriedAfter).toBeUndefined();
      expect((await pool.trial(spec, { a: 1, seed: 0 }, 60_000)).result.status).toBe('pass');
    } finally {
      await pool.close();
    }
  });
});
