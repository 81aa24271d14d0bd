// Faults mid-run: a worker that dies is replaced and its trial retried once; a second death is an
// `error` for that trial only, and the pool keeps serving the others; the same for symbolic steps.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkClaim } from '../../src/runner.js';
import { symbolicStepSchema } from '../../src/claims/schema.js';
import { journaledRunner, openJournal } from '../../src/search/journal.js';
import { createPool } from '../../src/search/pool.js';
import { loadedWithSearch, searchFixture } from '../helpers.js';

const spec = searchFixture(`space: { m: { grid: [2] } }
model: { block: two-layer, d: 2, width: m, w_scale: 1 }
metrics: { w: { block: layer-entry, layer: W, col: 0 } }
property: 'w == w'`);
const pool = createPool(2);
afterAll(() => pool.close());

describe('worker faults', () => {
  it('replaces a worker that dies and retries its trial once, with the same result as an undisturbed run', async () => {
    const marker = join(mkdtempSync(join(tmpdir(), 'cc-faults-')), 'died');
    const clean = await pool.run(spec, { m: 2, seed: 7 }, 30_000);
    const outcome = await pool.trial(spec, { m: 2, seed: 7 }, 30_000, undefined, { dieUnlessFile: marker });
    const retried = outcome.result;
    expect(retried.status).toBe('pass');
    expect(outcome.retriedAfter, 'the retry is a typed field').toBeTypeOf('string');
    expect(retried.message).toMatch(/retried once after its worker died/);
    expect(retried.quantities).toEqual(clean.quantities);
  });

  it('records a trial whose worker dies twice as an error, and keeps running the others', async () => {
    const dead = (await pool.trial(spec, { m: 2, seed: 1 }, 30_000, undefined, { dieAlways: true })).result;
    expect(dead.status).toBe('error');
    expect(dead.message).toMatch(/worker failed twice/);
    expect(dead.values).toEqual({ m: 2, seed: 1 });
    const after = await Promise.all([1, 2, 3, 4].map((seed) => pool.run(spec, { m: 2, seed }, 30_000)));
    expect(after.map((x) => x.status)).toEqual(['pass', 'pass', 'pass', 'pass']);
  });
});

describe('symbolic steps on the workers', () => {
  it('a step whose task cannot reach a worker is an error for that step, the pool keeps serving, and the journal does not keep it', async () => {
    const step = symbolicStepSchema.parse({ id: 'sq', kind: 'identity', lhs: '(x+1)^2', rhs: 'x^2 + 2*x + 1', variables: { x: [-2, 2] } });
    const broken = { ...step, unsendable: () => 0 } as typeof step; // a function cannot be cloned to a worker
    const journal = openJournal(undefined, 'e');
    const runner = journaledRunner(pool, openJournal(undefined, 'e'), journal);
    const o = await runner.step(broken, 1);
    expect(o.status === 'not-checked' && o.reason.kind).toBe('worker-failed');
    expect(o.result.verdict).toBe('error');
    expect(o.result.message).toMatch(/^not checked: its worker failed/);
    expect((await runner.step(broken, 1)).result.verdict).toBe('error');
    expect(journal.stats, 'the failure was not kept, so it ran again').toMatchObject({ runs: 2, hits: 0 });
    expect((await runner.step(step, 1)).result.verdict).toBe('verified');
  });
});

describe('verdicts that flip between run seeds', () => {
  const load = (property: string) =>
    loadedWithSearch(`trials: 3
min_in_regime: 1
guided: { trials: 0 }
seed: 100
space: { m: { grid: [1] } }
model: { block: two-layer, d: 2, width: 1, w_scale: 1 }
metrics: { w: { block: layer-entry, layer: W, col: 0 } }
property: '${property}'`);

  it('are reported as unstable, with the verdict and replay command of each seed', async () => {
    // a Gaussian entry above 1 has probability 0.16: three trials per seed find one under some seeds only
    const r = await checkClaim(load('w < 1'), { runner: pool, seeds: 8 });
    expect(r.verdict).toBe('unstable');
    expect(r.matches).toBe(false);
    expect(r.stability!.map((x) => x.seed)).toEqual([100, 101, 102, 103, 104, 105, 106, 107]);
    const kinds = new Set(r.stability!.map((x) => x.verdict));
    expect(kinds).toEqual(new Set(['holds', 'refuted']));
    // a random-phase witness replays by run seed and path, a covering one by its values
    for (const x of r.stability!) if (x.verdict === 'refuted') expect(x.replay).toMatch(new RegExp(`--seed ${x.seed} --path|--values m=1,seed=\\d+$`));
    expect(r.reason).toMatch(/flips between run seeds: .*holds under .*refuted under|refuted under .*holds under/);
  });

  it('leave a stable verdict as it is, saying how many seeds agreed', async () => {
    const r = await checkClaim(load('w < 100'), { runner: pool, seeds: 4 });
    expect(r.verdict).toBe('holds');
    expect(r.reason).toMatch(/same verdict under all 4 run seeds 100…103/);
  });
});
