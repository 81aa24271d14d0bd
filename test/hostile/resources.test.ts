// Issue #17, resources: every declared size is bounded before anything runs. The issue's examples,
// each as a named regression test: validation refuses what exceeds a limit at the offending field;
// what validates runs bounded (lazy domains, worker heap limit, symbolic-step deadline); a claim
// that throws is that claim's `invalid`, never the run's crash.
import { describe, expect, it } from 'vitest';
import { checkCliTrials, LIMITS } from '../../src/claims/limits.js';
import { loadClaimText, type ValidationError } from '../../src/claims/load.js';
import type { SymbolicStep } from '../../src/claims/schema.js';
import { histogramSpec } from '../../src/report/plots.js';
import { checkClaim } from '../../src/runner.js';
import { createPool, type TrialRunner } from '../../src/search/pool.js';
import { domainIndex, domainSize, domainValue, sampleSpace } from '../../src/search/space.js';
import { claimText, claimWithSearch, claimsFixture, loadedWithSearch, runCli } from '../helpers.js';

function errorsOf(text: string): ValidationError[] {
  const r = loadClaimText('hostile.yaml', text, 't');
  return r.ok ? [] : r.errors;
}

/** The validation errors at one field path. */
const at = (errors: ValidationError[], path: string) => errors.filter((e) => e.path === path);

const TINY_MODEL = `model: { block: two-layer, d: 2, width: 2, w_scale: 1 }
metrics: { s: { block: stable-rank, layer: W, at: initial } }
property: 's >= 0'`;

describe('sizes are bounded at validation, at the field that sets them', () => {
  it('int: [0, 1e12] as a width is refused at the width field, with its line and column', () => {
    const text = claimWithSearch(`trials: 5
space: { m: { int: [0, 1000000000000] } }
model: { block: two-layer, d: 2, width: m, w_scale: 1 }
metrics: { s: { block: stable-rank, layer: W, at: initial } }
property: 's >= 0'`);
    const e = at(errorsOf(text), 'search.model.width');
    expect(e.map((x) => x.message).join('\n')).toMatch(/memory per trial.*CLAIMCHECK_MAX_TRIAL_MB/);
    const line = text.split('\n').findIndex((l) => l.includes('width: m')) + 1;
    expect(e[0]).toMatchObject({ line, column: text.split('\n')[line - 1].indexOf('m,') + 1 });
  });

  it('int: [0, 1e12] as a plain variable validates and is sampled without listing its values', () => {
    const spec = loadedWithSearch(`trials: 5\nspace: { m: { int: [0, 1000000000000] } }\n${TINY_MODEL}`).claim.search!;
    expect(domainSize(spec.space.m)).toBe(1e12 + 1);
    const t0 = performance.now();
    const pts = sampleSpace(spec.space, 1, 50);
    expect(performance.now() - t0).toBeLessThan(2000);
    for (const p of pts) expect(Number.isInteger(p.m) && p.m >= 0 && p.m <= 1e12).toBe(true);
  });

  it('log: [1e-300, 1e300] validates; its 600 001 values are computed, finite and invertible', () => {
    const spec = loadedWithSearch(`trials: 5\nspace: { a: { log: [1e-300, 1e300], per_decade: 1000 } }\n${TINY_MODEL}`).claim.search!;
    const d = spec.space.a;
    expect(domainSize(d)).toBe(600_001);
    for (const i of [0, 1, 299_999, 300_000, 600_000]) {
      const v = domainValue(d, i);
      expect(Number.isFinite(v) && v > 0).toBe(true);
      expect(domainIndex(d, v)).toBe(i);
    }
    expect(domainValue(d, 600_000)).toBe(1e300);
    for (const p of sampleSpace(spec.space, 3, 20)) expect(Number.isFinite(p.a)).toBe(true);
  });

  it('a domain of more values than the limit is refused at its field', () => {
    const e = errorsOf(claimWithSearch(`space: { m: { int: [-9000000000000000, 9000000000000000] } }\n${TINY_MODEL}`));
    expect(at(e, 'search.space.m.int')[0]?.message).toMatch(/exceeds the limit of .* values in one domain/);
    const unsafe = errorsOf(claimWithSearch(`space: { m: { int: [0, 1e300] } }\n${TINY_MODEL}`));
    expect(at(unsafe, 'search.space.m.int')[0]?.message).toMatch(/±2\^53/);
  });

  it('a boundary of 200 × 200 cells × 1000 seeds is refused at boundary.seeds', () => {
    const values = Array.from({ length: 200 }, (_, i) => i + 1).join(', ');
    const text = claimText({
      search: `space: { a: { grid: [1, 2] }, b: { grid: [1, 2] } }\n${TINY_MODEL}`,
      boundary: `x: { var: a, values: [${values}] }\ny: { var: b, values: [${values}] }\nmetric: s\nseeds: 1000`,
    });
    const e = at(errorsOf(text), 'boundary.seeds');
    expect(e[0]?.message).toMatch(/200 × 200 cells × 1000 seeds: 4\.00e7 exceeds the limit of 50000/);
  });

  it('a model width of 10^6 is refused at model.width (estimated trial memory)', () => {
    const e = errorsOf(
      claimWithSearch(`space: { a: { grid: [1] } }
data: { block: isotropic-gaussian, n: 20, d: 10 }
model: { block: two-layer, d: 10, width: 1000000, w_scale: 1 }
loss: { block: square }
dynamics: { block: gradient-descent, steps: 10, eta: 0.1 }
metrics: { s: { block: stable-rank, layer: W } }
property: 's >= 0'`),
    );
    expect(at(e, 'search.model.width')[0]?.message).toMatch(/on 20 data rows: .* exceeds the limit of 512 MB of estimated memory per trial/);
  });

  it('trials × steps × numbers beyond the work limit is refused at trials; the full scale is checked too', () => {
    const search = (trials: string, full = '') => `trials: ${trials}
space: { a: { grid: [1] } }
data: { block: isotropic-gaussian, n: 100, d: 100 }
model: { block: two-layer, d: 100, width: 100, w_scale: 1 }
loss: { block: square }
dynamics: { block: gradient-descent, steps: 10000000, eta: 0.1 }
metrics: { s: { block: stable-rank, layer: W } }
property: 's >= 0'${full}`;
    expect(at(errorsOf(claimWithSearch(search('1000'))), 'search.trials')[0]?.message).toMatch(/CLAIMCHECK_MAX_WORK/);
    expect(errorsOf(claimWithSearch(search('1')))).toEqual([]);
    const full = at(errorsOf(claimWithSearch(search('1', '\nfull: { trials: 1000 }'))), 'search.full.trials');
    expect(full[0]?.message).toMatch(/CLAIMCHECK_MAX_WORK.*\(at the full scale, run --full\)/);
  });

  it('trials whose results would not fit in memory are refused; 200 000 trials with a histogram are not', () => {
    const search = (trials: number) => `trials: ${trials}\nspace: { a: { grid: [1] } }\n${TINY_MODEL}`;
    const lets = Array.from({ length: 40 }, (_, i) => `  l${i}: '${i}'`).join('\n');
    expect(at(errorsOf(claimWithSearch(`${search(1_000_000)}\nlet:\n${lets}`)), 'search.trials')[0]?.message).toMatch(/CLAIMCHECK_MAX_RESULT_MB/);
    expect(errorsOf(claimText({ search: search(200_000), after: 'histogram: { metric: s }\n' }))).toEqual([]);
  });

  it('guided.trials counts against the work and result-memory limits: trials: 1 with guided: { trials: 1000000 } is refused at guided.trials', () => {
    const search = (trials: string, steps = 1000) => `${trials}
space: { a: { grid: [1] } }
data: { block: isotropic-gaussian, n: 100, d: 100 }
model: { block: two-layer, d: 100, width: 100, w_scale: 1 }
loss: { block: square }
dynamics: { block: gradient-descent, steps: ${steps}, eta: 0.1 }
metrics: { s: { block: stable-rank, layer: W } }
property: 's >= 0'`;
    const text = claimWithSearch(search('trials: 1\nguided: { trials: 1000000 }'));
    const e = at(errorsOf(text), 'search.guided.trials');
    const messages = e.map((x) => x.message).join('\n');
    expect(messages).toMatch(/\(1 trials \+ 1\.00e6 guided\) × 1 run\(s\) × 1000 steps × .* numbers: .*CLAIMCHECK_MAX_WORK/);
    expect(messages).toMatch(/\(1 trials \+ 1\.00e6 guided\), of \d+ names each: .*CLAIMCHECK_MAX_RESULT_MB/);
    const line = text.split('\n').findIndex((l) => l.includes('guided: {')) + 1;
    expect(e[0]).toMatchObject({ line, column: text.split('\n')[line - 1].indexOf('1000000') + 1 });
    expect(errorsOf(claimWithSearch(search('trials: 1\nguided: { trials: 8 }')))).toEqual([]);
    // the default guided phase (here as many trials as the file's 4, each 2·10^11 work) counts too
    expect(at(errorsOf(claimWithSearch(search('trials: 4', 1e7))), 'search.trials')[0]?.message).toMatch(/\(4 trials \+ 4 guided\) × .*CLAIMCHECK_MAX_WORK/);
    expect(errorsOf(claimWithSearch(search('trials: 4\nguided: { trials: 0 }', 1e7)))).toEqual([]);
  });

  it('--trials above the file cap is refused before any work, by the same limit', { tags: ['slow'] }, () => {
    expect(() => checkCliTrials(1_000_000_000)).toThrow(
      /--trials 1000000000: 1\.00e9 exceeds the limit of 1\.00e6 trials per search \(set CLAIMCHECK_MAX_TRIALS/,
    );
    expect(checkCliTrials(LIMITS.trials.value)).toBe(LIMITS.trials.value);
    const dir = claimsFixture({ 'c.yaml': claimWithSearch(`trials: 2\nspace: { a: { grid: [1] } }\n${TINY_MODEL}`) });
    const r = runCli(['run', dir, '--trials', '1000000000', '--no-cache', '--out', `${dir}/out`], { timeout: 60_000 });
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/exceeds the limit of 1\.00e6 trials/);
  });

  it('static parameter checks: a leaky-ReLU gamma of 2, a zero width, data rows that the model does not read', () => {
    const e = errorsOf(
      claimWithSearch(`space: { w: { grid: [0, 3] } }
data: { block: isotropic-gaussian, n: 5, d: 3 }
model: { block: two-layer, d: 4, width: w, gamma: 2, w_scale: 1 }
metrics: { s: { block: stable-rank, layer: W, at: initial } }
property: 's >= 0'`),
    );
    expect(at(e, 'search.model.gamma')[0]?.message).toBe('model block "two-layer": gamma must lie in [0, 1], found 2');
    expect(at(e, 'search.model.width')[0]?.message).toMatch(/width must be at least 1, found values from 0 to 3/);
    expect(at(e, 'search.model')[0]?.message).toMatch(/reads data rows of 4 numbers, but data block "isotropic-gaussian" has rows of 3/);
    const relu = errorsOf(
      claimWithSearch(`space: { g: { grid: [0.5, 1.5] } }
model: { block: relu-net, sizes: [2, 3, 1], gamma: g, scale: 1 }
metrics: { s: { block: stable-rank, layer: W1, at: initial } }
property: 's >= 0'`),
    );
    expect(at(relu, 'search.model.gamma')[0]?.message).toMatch(/gamma must lie in \[0, 1\], found values from 0\.5 to 1\.5/);
  });

  it('a symbolic step whose definitions grow it past the limit is refused at its field', () => {
    const where = Array.from({ length: 16 }, (_, i) => `  w${i}: '${i === 15 ? 'x' : `w${i + 1} * w${i + 1}`}'`).join('\n');
    const e = errorsOf(
      claimText({ symbolic: `- id: big\n  kind: identity\n  lhs: 'w0'\n  rhs: 'w0'\n  variables: { x: [1, 2] }\n  where:\n${where.replace(/^/gm, '  ')}` }),
    );
    expect(at(e, 'symbolic[0].lhs')[0]?.message).toMatch(/CLAIMCHECK_MAX_STEP_CHARS/);
  });
});

describe('what validates runs bounded', () => {
  it('an 8-variable identity of a*b/(a+b) terms ends as not checked (timeout) at the step deadline, never a hang', async () => {
    const v = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'];
    const ring = v.map((x, i) => [x, v[(i + 1) % v.length]]);
    const step = {
      id: 'harmonic',
      kind: 'identity',
      lhs: ring.map(([x, y]) => `${x}*${y}/(${x}+${y})`).join(' + '),
      rhs: ring.map(([x, y]) => `1/(1/${x}+1/${y})`).join(' + '),
      variables: Object.fromEntries(v.map((x) => [x, [1, 2]])),
      where: {},
      assume: [],
      points: 200,
      derivative: '0',
    } as unknown as SymbolicStep;
    const pool = createPool(1, { stepTimeoutMs: 3000 });
    const t0 = performance.now();
    try {
      const o = await pool.step(step, 1);
      expect(o.status === 'not-checked' && o.reason.kind).toBe('timeout');
      expect(o.result.verdict).toBe('error');
      expect(o.result.message).toMatch(/^not checked \(timeout\): the step exceeded the symbolic-step time limit of 3 s/);
    } finally {
      await pool.close();
    }
    expect(performance.now() - t0).toBeLessThan(30_000);
  }, 60_000);

  it('a trial that fills its heap is error: memory, and the pool goes on', { tags: ['slow'], timeout: 60_000 }, async () => {
    const spec = loadedWithSearch(`trials: 1\nspace: { a: { grid: [1] } }\n${TINY_MODEL}`).claim.search!;
    const pool = createPool(1, { memoryMb: 64 });
    try {
      const o = await pool.trial(spec, { a: 1, seed: 0 }, 60_000, undefined, { exhaustHeap: true });
      expect(o.result.status).toBe('error');
      expect(o.result.message).toMatch(/^memory — the trial exceeded the worker heap limit of 64 MB/);
      expect(o.retriedAfter).toBeUndefined();
      expect((await pool.trial(spec, { a: 1, seed: 0 }, 60_000)).result.status).toBe('pass');
    } finally {
      await pool.close();
    }
  });

  it('a claim whose check throws is that claim’s invalid result, not the run’s crash', async () => {
    const r0 = loadClaimText('t.yaml', claimText({ symbolic: `- id: one\n  kind: identity\n  lhs: 'x'\n  rhs: 'x'\n  variables: { x: [1, 2] }` }), 't');
    if (!r0.ok) throw new Error(JSON.stringify(r0.errors));
    const loaded = r0;
    const fail = async (): Promise<never> => {
      throw new RangeError('Invalid array length');
    };
    const throwing: TrialRunner = { threads: 1, trial: fail, run: fail, step: fail, close: async () => {} };
    const r = await checkClaim(loaded, { runner: throwing });
    expect(r.verdict).toBe('invalid');
    expect(r.matches).toBe(false);
    expect(r.reason).toBe('the claim could not be checked: Invalid array length');
  });

  it('a histogram of 200 000 values is drawn without spreading them onto the stack', () => {
    const samples = Array.from({ length: 200_000 }, (_, i) => ({ status: i % 3 ? 'pass' : 'out-of-regime', value: Math.sin(i) }));
    const spec = histogramSpec(samples, { metric: 'm', bins: 20 }, 't') as unknown as { layer: Array<{ encoding: { x: { scale: { domain: number[] } } } }> };
    const [lo, hi] = spec.layer[0].encoding.x.scale.domain;
    expect(lo).toBeCloseTo(-1, 6);
    expect(hi).toBeCloseTo(1, 6);
  });
});
