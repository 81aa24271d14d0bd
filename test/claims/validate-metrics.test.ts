// Validation of metrics (issue 22): a metric's own `check` runs at validation over the space, so a bad
// parameter is file:line:column; a metric read at a snapshot step is refused beside a loss stop.
import { describe, expect, it } from 'vitest';
import { formatError, loadClaimText } from '../../src/claims/load.js';
import { claimWithSearch } from '../helpers.js';

function errors(search: string): string[] {
  const r = loadClaimText('x.yaml', claimWithSearch(search), 't');
  return r.ok ? [] : r.errors.map(formatError);
}

/** file:line:column just after the first occurrence of `text` in the claim file. */
function at(search: string, text: string): string {
  const lines = claimWithSearch(search).split('\n');
  const i = lines.findIndex((l) => l.includes(text));
  return `x.yaml:${i + 1}:${lines[i].indexOf(text) + text.length + 1}`;
}

const HEAD = `trials: 1\ndata: { block: sparse-regression, n: 3, d: 6, k: 1 }\nmodel: { block: diagonal-linear, d: 6, alpha: 0.1 }\nloss: { block: square }`;

describe('a metric’s parameters are checked at validation', () => {
  it('hypentropy α outside [1e-100, 1e100] at some value of the space: file:line:column, not a per-trial error', () => {
    const s = `${HEAD}\nspace: { a: { grid: [0.1, 0] } }\nmetrics:\n  q: { block: hypentropy-potential, alpha: a }\nproperty: 'q >= 0'`;
    expect(errors(s)).toEqual([`${at(s, 'q: { block: hypentropy-potential, alpha: ')}: search.metrics.q.alpha: metric block "hypentropy-potential": alpha must lie in [1e-100, 1e+100], found values from 0 to 0.1`]);
    const c = `${HEAD}\nspace: { a: { grid: [0.1] } }\nmetrics:\n  q: { block: min-hypentropy-distance, alpha: 1e101 }\nproperty: 'q >= 0'`;
    expect(errors(c)).toEqual([expect.stringContaining('search.metrics.q.alpha: metric block "min-hypentropy-distance": alpha must lie in [1e-100, 1e+100], found 1e+101')]);
  });

  it('an α inside the range, or one only a trial knows (a data statistic), validates', () => {
    expect(errors(`${HEAD}\nspace: { a: { grid: [0.1, 1] } }\nmetrics:\n  q: { block: hypentropy-potential, alpha: a }\nproperty: 'q >= 0'`)).toEqual([]);
    expect(errors(`${HEAD}\nspace: { a: { grid: [0.1] } }\nmetrics:\n  q: { block: hypentropy-potential, alpha: 'lambda_max' }\nproperty: 'q >= 0'`)).toEqual([]);
  });
});

describe('a metric at a snapshot step beside stop_loss', () => {
  const run = (dyn: string, at: string) =>
    `trials: 1\nspace: { a: { grid: [0.1] } }\ndata: { block: linearly-separable, n: 4, d: 2 }\nmodel: { block: linear, d: 2 }\nloss: { block: logistic }\ndynamics: ${dyn}\nmetrics:\n  w0: { block: layer-entry, layer: w, col: 0, at: ${at} }\n  ang: { block: angle, b: { layer: w, at: ${at} } }\nproperty: 'w0 >= -100'`;
  it('is refused at the `at` field, saying why (the snapshots are planned for `steps`, the run may stop before)', () => {
    const s = run('{ block: gradient-descent, steps: 1000, eta: 0.1, stop_loss: 0.01, snapshots: true }', 'decade');
    const e = errors(s);
    expect(e).toHaveLength(2);
    expect(e[0]).toContain(`${at(s, 'w0: { block: layer-entry, layer: w, col: 0, at: ')}: search.metrics.w0.at: at: decade reads θ at a snapshot step of the run (⌈T/10⌉ of the T steps taken), but the dynamics stop early at stop_loss (0.01)`);
    expect(e[1]).toContain('search.metrics.ang.b.at: at: decade');
    expect(errors(run('{ block: gradient-descent, steps: 1000, eta: 0.1, stop_loss: 0.01, snapshots: true }', 'step1'))[0]).toContain('at: step1 reads θ at a snapshot step of the run (step 1)');
  });
  it('without stop_loss, or read at final, it validates', () => {
    expect(errors(run('{ block: gradient-descent, steps: 1000, eta: 0.1, snapshots: true }', 'decade'))).toEqual([]);
    expect(errors(run('{ block: gradient-descent, steps: 1000, eta: 0.1, stop_loss: 0.01 }', 'final'))).toEqual([]);
  });
});
