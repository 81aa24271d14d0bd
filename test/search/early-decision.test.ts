// Early decision (issues 21, 22): a trial stopped at the step where its hypotheses or property are decided
// for good gets the status the same trial gets when run to the end (--no-early), where the decider
// watches every step without stopping: the mode changes the cost and the values reported, never the status.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { withoutEarlyDecision } from '../../src/claims/early-decision.js';
import { formatError, loadClaimText } from '../../src/claims/load.js';
import { witnessCard, witnessMarkdown } from '../../src/report/sections/witness.js';
import { checkClaim } from '../../src/runner.js';
import { replayValuesCommand, rerunCommand } from '../../src/search/search.js';
import { inlineRunner } from '../../src/search/pool.js';
import { runTrial, runTrials, type TrialResult } from '../../src/search/trial.js';
import { fcRuns } from '../checks.js';
import { claimText, searchFixture } from '../helpers.js';

const deepLinear = (depth: number, scale: number, eta: number, hypotheses: string, property: string) => `
trials: 1
space: { c: { range: [0, 1], step: 0.001 }, h: { range: [0, 10], step: 0.001 } }
data: { block: matrix-completion, rows: 2, cols: 2, observed: [[1, 2, 1], [2, 1, 1], [2, 2, 0]] }
model: { block: deep-linear, rows: 2, cols: 2, depth: ${depth}, init: gaussian, scale: ${scale} }
loss: { block: square, reduction: sum }
dynamics: { block: gradient-descent, steps: 400, eta: ${eta} }
early_decision: true
metrics:
  lmin: { block: path-extreme, layer: W, of: 'loss' }
  smax: { block: path-extreme, layer: W, of: 's1', extreme: max }
  dmin: { block: path-extreme, layer: W, of: 'det', when: 'abs(det) > 1e-9' }
  seen: { block: path-extreme, layer: W, of: '1', when: 'loss < 2 * c', output: count }
  lossT: { block: loss }
hypotheses: ${hypotheses}
property: '${property}'`;

const PROPERTIES = ['lmin > c', 'lmin > c or seen < 20', 'not (smax >= h) and lmin >= c / 10', 'c > 0.5 ? dmin > -c : lmin > c', '0.1 * c < lmin <= 10'];
const HYPOTHESES = ['{}', "{ bounded: 'smax < h' }", "{ bounded: 'smax < h', later: 'seen >= 5 or lmin < c' }"];

/** The same trial with and without early decision. */
function both(spec: ReturnType<typeof searchFixture>, values: Record<string, number>): [TrialResult, TrialResult] {
  return [runTrial(spec, values), runTrial(withoutEarlyDecision(spec), values)];
}

describe('a trial decided early gets the status of the same trial run to the end', () => {
  it('random small deep-linear specs (property and hypotheses from running extremes)', () => {
    let early = 0,
      total = 0;
    const later: string[] = [];
    fc.assert(
      fc.property(
        fc.record({
          depth: fc.constantFrom(2, 3),
          scale: fc.constantFrom(0.05, 0.3, 1),
          eta: fc.constantFrom(0.01, 0.05, 0.2, 0.6),
          p: fc.constantFrom(...PROPERTIES),
          hyp: fc.constantFrom(...HYPOTHESES),
          c: fc.double({ min: 1e-3, max: 1, noNaN: true }),
          h: fc.double({ min: 0.2, max: 6, noNaN: true }),
          seed: fc.integer({ min: 0, max: 1000 }),
        }),
        ({ depth, scale, eta, p, hyp, c, h, seed }) => {
          const spec = searchFixture(deepLinear(depth, scale, eta, hyp, p));
          const [a, b] = both(spec, { c, h, seed });
          total++;
          if (!a.stoppedEarlyAt) {
            // not decided early: the very same computation
            expect({ ...a, ms: 0 }).toEqual({ ...b, ms: 0 });
            return;
          }
          early++;
          expect(['fail', 'out-of-regime']).toContain(a.status);
          expect(a.stoppedEarlyAt.reason.startsWith(a.status)).toBe(true);
          // the whole run saw the same decision at the same step, and has its status, whatever the rest of its path did
          const { notComputed: _, ...decision } = a.stoppedEarlyAt;
          expect(b.decidedAt).toEqual(decision);
          expect(b.stoppedEarlyAt).toBeUndefined();
          expect(a.status).toBe(b.status);
          if (/the rest of the path/.test(b.message ?? '')) later.push(b.message!);
          if (a.status === 'fail') expect(a.property!.holds).toBe(false);
        },
      ),
      fcRuns(120),
    );
    if (process.env.EARLY_STATS) console.log(`early ${early} of ${total}; the rest of the path judged otherwise: ${later.length}`, later.slice(0, 3));
    // the test is about something: many trials decided early, some of whose paths diverge later
    expect(early).toBeGreaterThan(total / 4);
    expect(later.length).toBeGreaterThan(0);
  });

  it('the dynamics really stop: fewer steps, the metrics read at that step, replay reproduces it', () => {
    const spec = searchFixture(deepLinear(3, 0.3, 0.05, '{}', 'lmin > c'));
    const [a, b] = both(spec, { c: 0.3, h: 1, seed: 1 });
    expect(a.status).toBe('fail');
    expect(b.status).toBe('fail');
    expect(a.stoppedEarlyAt!.step).toBeLessThan(400);
    expect(a.quantities.lmin).toBeLessThanOrEqual(0.3);
    expect(a.quantities.lmin).toBeGreaterThan(b.quantities.lmin);
    // the metrics the property does not read are not computed on the stopped trial; the whole run has them
    expect(a.quantities).not.toHaveProperty('lossT');
    expect(a.stoppedEarlyAt!.notComputed).toEqual(['smax', 'dmin', 'seen', 'lossT']);
    expect(b.quantities.lossT).toBeLessThan(a.stoppedEarlyAt!.loss);
    expect(b.decidedAt!.step).toBe(a.stoppedEarlyAt!.step);
    expect(a.stoppedEarlyAt!.reason).toMatch(/^fail: the property is false for good: lmin = .* \(a running min: it can only fall\)/);
    const again = runTrial(spec, { c: 0.3, h: 1, seed: 1 });
    expect({ ...again, ms: 0 }).toEqual({ ...a, ms: 0 });
  });

  it('a batched kernel stops the decided lanes: each result equals its unbatched run', () => {
    const spec = searchFixture(`
trials: 1
space: { c: { range: [0, 1], step: 0.001 } }
data: { block: explicit-vector, inputs: [[1, 0.5], [-1, 0.8], [0.3, -1]], targets: [[1, 0], [0, 1], [1, 1]] }
model: { block: relu-net, sizes: [2, 3, 2], init: gaussian, scale: 0.5 }
loss: { block: square, reduction: sum }
dynamics: { block: gradient-descent, steps: 600, eta: 0.05 }
early_decision: true
metrics:
  lmin: { block: path-extreme, layer: W1, of: 'loss' }
property: 'lmin > c'`);
    const values = Array.from({ length: 12 }, (_, k) => ({ c: [0.01, 0.3, 0.6, 1][k % 4], seed: k }));
    const batched = runTrials(spec, values);
    const alone = values.map((v) => runTrial(spec, v));
    expect(batched.map((r) => ({ ...r, ms: 0 }))).toEqual(alone.map((r) => ({ ...r, ms: 0 })));
    expect(batched.some((r) => r.stoppedEarlyAt) && batched.some((r) => !r.stoppedEarlyAt)).toBe(true);
    const whole = runTrials(withoutEarlyDecision(spec), values);
    expect(batched.map((r) => r.status)).toEqual(whole.map((r) => r.status));
  });

  it('a spec that bypassed validation with a non-monotone property is an error, never a decision', () => {
    const spec = searchFixture(deepLinear(2, 0.3, 0.05, '{}', 'lmin > c').replace('early_decision: true', ''));
    const r = runTrial({ ...spec, early_decision: true, property: 'lossT > c' }, { c: 0.3, h: 1, seed: 1 });
    expect(r.status).toBe('error');
    expect(r.message).toContain('early_decision');
  });
});

describe('what reads a trial’s values rather than its status (hostile findings 2 and 3)', () => {
  it('a boundary sweep plots each cell as the whole run gives it; the witness card says its run stopped early and gives the whole path’s replay', async () => {
    const search = `trials: 4
seed: 5
guided: { trials: 0 }
early_decision: true
space: { c: { grid: [0.3] }, eta: { grid: [0.01, 0.02, 0.05, 0.1] } }
data: { block: matrix-completion, rows: 2, cols: 2, observed: [[1, 2, 1], [2, 1, 1], [2, 2, 0]] }
model: { block: deep-linear, rows: 2, cols: 2, depth: 2, init: gaussian, scale: 0.3 }
loss: { block: square, reduction: sum }
dynamics: { block: gradient-descent, steps: 400, eta: eta }
metrics:
  lmin: { block: path-extreme, layer: W, of: 'loss' }
  lossT: { block: loss }
property: 'lmin > c'`;
    const boundary = `x: { var: eta, values: [0.01, 0.05, 0.1] }
metric: lossT
fixed: { c: 0.3 }
seed: 0`;
    const loaded = loadClaimText('e.yaml', claimText({ id: 't.early-sweep', expect: 'refuted', search, boundary }), 't');
    if (!loaded.ok) throw new Error(loaded.errors.map(formatError).join('\n'));
    const spec = loaded.claim.search!;
    const r = await checkClaim(loaded, { runner: inlineRunner() });
    expect(r.boundary!.cells).toHaveLength(3);
    for (const cell of r.boundary!.cells) {
      const values = { c: 0.3, eta: cell.x, seed: 0 };
      const early = runTrial(spec, values),
        whole = runTrial(withoutEarlyDecision(spec), values);
      // the cell's trial is one early decision stops well before the end of its run ...
      expect(early.stoppedEarlyAt).toBeDefined();
      expect(early.stoppedEarlyAt!.loss).toBeGreaterThan(0.28);
      expect(early.stoppedEarlyAt!.notComputed).toEqual(['lossT']);
      // ... and the sweep shows the end of the whole run (the final loss falls to 1e-3 … 1e-31)
      expect(cell.value).toBe(whole.quantities.lossT);
      expect(cell.value!).toBeLessThan(0.01);
    }
    const w = r.search!.witness!;
    expect(w.result.stoppedEarlyAt).toBeDefined();
    const card = witnessCard(r, w, spec.property);
    expect(card.stoppedEarly!.step).toBe(w.result.stoppedEarlyAt!.step);
    expect(card.stoppedEarly!.wholePath).toBe(`${w.replay} --no-early`);
    const md = witnessMarkdown(card).join('\n');
    expect(md).toContain(`stopped early at step ${card.stoppedEarly!.step}`);
    expect(md).toContain(
      `the status was decided at step ${card.stoppedEarly!.step} (the property was false for good there) and the path after it was not computed`,
    );
    expect(md).toContain('not computed (the formulas do not read them): lossT');
    expect(md).toContain(`the whole path: \`${w.replay} --no-early\``);
  });
});

describe('the status does not depend on whether the run stopped (review findings 1, 2 and 4)', () => {
  it('unread metrics that need the whole run (snapshots; θ at the end of the run) are not computed on a stopped trial, and do not turn it into an error', () => {
    const snapshots = searchFixture(`
trials: 1
space: { c: { range: [0, 1], step: 0.001 } }
data: { block: matrix-completion, rows: 2, cols: 2, observed: [[1, 2, 1], [2, 1, 1], [2, 2, 0]] }
model: { block: deep-linear, rows: 2, cols: 2, depth: 3, init: gaussian, scale: 0.3 }
loss: { block: square, reduction: sum }
dynamics: { block: gradient-descent, steps: 400, eta: 0.05, snapshots: true }
early_decision: true
metrics:
  lmin: { block: path-extreme, layer: W, of: 'loss' }
  sr: { block: max-stable-rank, layer: W }
let: { srHalf: 'sr / 2' }
property: 'lmin > c'`);
    const [a, b] = both(snapshots, { c: 0.3, seed: 1 });
    expect(a.stoppedEarlyAt!.step).toBeLessThan(400);
    expect([a.status, b.status]).toEqual(['fail', 'fail']);
    expect(a.stoppedEarlyAt!.notComputed).toEqual(['sr', 'srHalf']);
    expect(Number.isFinite(b.quantities.sr)).toBe(true);
    // w(0) = 0 and a hypothesis false at step 0: the SVM angle has no direction there
    const zeroStart = searchFixture(`
trials: 1
space: { c: { grid: [0.5] } }
data: { block: linearly-separable, n: 8, d: 3, margin: 0.1 }
model: { block: linear, d: 3 }
loss: { block: logistic, reduction: sum }
dynamics: { block: gradient-descent, steps: 200, eta: 0.1 }
early_decision: true
metrics:
  lmax: { block: path-extreme, layer: w, of: 'loss', extreme: max }
  lmin: { block: path-extreme, layer: w, of: 'loss' }
  ang: { block: svm-angle }
hypotheses: { small_loss: { when: 'lmax < c' } }
property: 'lmin > 0'`);
    for (const seed of [1, 2]) {
      const [e, w] = both(zeroStart, { c: 0.5, seed });
      expect(e.stoppedEarlyAt!.step).toBe(0);
      expect([e.status, w.status]).toEqual(['out-of-regime', 'out-of-regime']);
      expect(e.stoppedEarlyAt!.notComputed).toEqual(['ang']);
    }
  });

  it('a watch that becomes imprecise after the decision: both modes fail, the whole run says what the rest of its path gave', () => {
    const spec = searchFixture(`
trials: 1
space: { c: { grid: [0.3] } }
data: { block: matrix-completion, rows: 2, cols: 2, observed: [[1, 2, 1], [2, 1, 1], [2, 2, 0]] }
model: { block: deep-linear, rows: 2, cols: 2, depth: 2, init: gaussian, scale: 0.3 }
loss: { block: square, reduction: sum }
dynamics: { block: gradient-descent, steps: 4000, eta: 0.2 }
early_decision: true
metrics:
  lmin: { block: path-extreme, layer: W, of: 'loss' }
  lastfro: { block: path-extreme, layer: W, of: 'fro', extreme: max, until: 'loss < 1e-31' }
property: 'lmin > c'`);
    const [a, b] = both(spec, { c: 0.3, seed: 1 });
    expect([a.status, b.status]).toEqual(['fail', 'fail']);
    expect(b.decidedAt!.step).toBe(a.stoppedEarlyAt!.step);
    expect(b.message).toMatch(
      new RegExp(
        `^decided at step ${a.stoppedEarlyAt!.step}: fail: .*; the rest of the path, run to its end: imprecise — lastfro: "loss < 1e-31" is decided at step \\d+`,
      ),
    );
  });

  it('a search run with --no-early prints replay and re-run commands with --no-early', async () => {
    const search = `trials: 8
seed: 5
guided: { trials: 0 }
early_decision: true
space: { c: { grid: [0.3] }, eta: { grid: [0.01, 0.02, 0.05, 0.1] } }
data: { block: matrix-completion, rows: 2, cols: 2, observed: [[1, 2, 1], [2, 1, 1], [2, 2, 0]] }
model: { block: deep-linear, rows: 2, cols: 2, depth: 2, init: gaussian, scale: 0.3 }
loss: { block: square, reduction: sum }
dynamics: { block: gradient-descent, steps: 400, eta: eta }
metrics:
  lmin: { block: path-extreme, layer: W, of: 'loss' }
property: 'lmin > c'`;
    const loaded = loadClaimText('e.yaml', claimText({ id: 't.early-replay', expect: 'refuted', search }), 't');
    if (!loaded.ok) throw new Error(loaded.errors.map(formatError).join('\n'));
    const whole = { ...loaded, claim: { ...loaded.claim, search: withoutEarlyDecision(loaded.claim.search!) } };
    const [r, w] = [await checkClaim(loaded, { runner: inlineRunner() }), await checkClaim(whole, { runner: inlineRunner() })];
    expect(r.search!.witness!.replay).not.toContain('--no-early');
    expect(w.search!.witness!.replay).toBe(`${r.search!.witness!.replay} --no-early`);
    expect(w.search!.witness!.result.decidedAt).toBeDefined();
    expect(w.search!.witness!.status).toBe(r.search!.witness!.status);
    expect(rerunCommand('x', 1, 8, false, undefined, undefined, true)).toBe('npx claimcheck run x --seed 1 --trials 8 --no-early --out reports/replay');
    // --drop runs whole paths already
    expect(replayValuesCommand('x', { seed: 1 }, false, 'h', undefined, true)).toBe('npx claimcheck replay x --values seed=1 --drop h');
  });
});
