// Early decision (issue 21): the static check that a claim's property and hypotheses are monotone
// in the way early decision needs — comparisons of running path extremes with constants, by and/or/not.
import { describe, expect, it } from 'vitest';
import { formatError, loadClaimText } from '../../src/claims/load.js';
import { claimText, claimWithSearch } from '../helpers.js';

const HEAD = `trials: 2
space: { c: { grid: [0.3, 0.5] } }
data: { block: matrix-completion, rows: 2, cols: 2, observed: [[1, 2, 1], [2, 1, 1], [2, 2, 0]] }
model: { block: deep-linear, rows: 2, cols: 2, depth: 3, init: balanced, scale: 0.3 }
loss: { block: square, reduction: sum }
dynamics: { block: gradient-descent, steps: 100, eta: 0.05 }
early_decision: true`;
const METRICS = `metrics:
  lmin: { block: path-extreme, layer: W, of: 'loss' }
  smax: { block: path-extreme, layer: W, of: 's1', extreme: max }
  seen: { block: path-extreme, layer: W, of: '1', output: count }
  lossT: { block: loss }`;

const search = (rest: string, metrics = METRICS) => `${HEAD}\n${metrics}\n${rest}`;

function errors(s: string): string[] {
  const r = loadClaimText('x.yaml', claimWithSearch(s), 't');
  return r.ok ? [] : r.errors.map(formatError);
}

/** file:line:column of the value after `text` in the claim file (where the loader points). */
function at(s: string, text: string): string {
  const lines = claimWithSearch(s).split('\n');
  const i = lines.findIndex((l) => l.includes(text));
  return `x.yaml:${i + 1}:${lines[i].indexOf(text) + text.length + 1}`;
}

describe('early_decision: accepted where the property and hypotheses are monotone', () => {
  it.each([
    ["property: 'lmin > c'"],
    ["property: 'c < lmin and not (smax >= 10 * c)'"],
    ["property: '0 < lmin <= 2'"],
    ["property: 'c > 0.4 ? lmin > c : smax < 5'"],
    ["let: { bound: '2 * c + n' }\nproperty: 'lmin > bound or seen < 50'"],
    ["hypotheses:\n  small: 'smax < 5'\n  fixed: { when: 'c < 1', role: premise }\nproperty: 'lmin > c'"],
  ])('%s', (rest) => expect(errors(search(rest))).toEqual([]));

  it('without early_decision, anything goes (the field is opt-in)', () => {
    expect(errors(search("property: 'lossT * lmin > c'").replace('early_decision: true', ''))).toEqual([]);
  });
});

describe('early_decision: refused, at file:line:column, where a property or hypothesis is not monotone', () => {
  const cases: Array<[string, string, string]> = [
    ["property: 'lossT < c'", "property: ", '"lossT" cannot be read before the run ends: metric block "loss" is computed once, at the end of the run'],
    ["property: '2 * lmin > c'", "property: ", '"lmin" appears inside "2 * lmin"'],
    ["property: 'lmin == c'", "property: ", 'an equality of a running extreme is never decided for good'],
    ["property: 'lmin > smax'", "property: ", 'compares two running extremes'],
    ["property: 'lmin'", "property: ", '"lmin" is not a comparison of a running extreme with a constant'],
    ["property: 'smax > 1 ? lmin > c : lmin > 0'", "property: ", 'the condition "smax > 1" of c ? x : y must be a constant'],
    ["let: { m: 'lmin / 2' }\nproperty: 'm > c'", "property: ", 'the let uses "lmin"'],
    ["hypotheses:\n  conv: 'lossT < 1e-3'\nproperty: 'lmin > c'", "conv: ", 'metric block "loss" is computed once'],
    ["property: 'c > 0'", 'early_decision: ', 'neither the property nor a hypothesis reads a running path extreme'],
  ];
  it.each(cases)('%s', (rest, where, why) => {
    const s = search(rest);
    const e = errors(s);
    expect(e).toHaveLength(1);
    expect(e[0]).toContain(`${at(s, where)}: `);
    expect(e[0]).toContain('early_decision: ');
    expect(e[0]).toContain(why);
  });

  it('a running extreme with a default, a watched_to_loss, variants, no dynamics (a snapshot metric is allowed)', () => {
    const withDefault = search("property: 'lmin > c'", METRICS.replace("of: 'loss' }", "of: 'loss', when: 'loss < 1', default: 5 }"));
    expect(errors(withDefault)[0]).toMatch(/search\.property: early_decision: "lmin" cannot be read before the run ends: its "default" stands in/);
    const toLoss = search("property: 'lmin > c'", METRICS.replace("of: 's1', extreme: max }", "of: 's1', extreme: max, watched_to_loss: 0.1 }"));
    expect(errors(toLoss)).toEqual([expect.stringContaining(`${at(toLoss, 'watched_to_loss: ')}: search.metrics.smax.watched_to_loss: early_decision: a path stopped early`)]);
    const snap = search("property: 'lmin > c'", `${METRICS}\n  l1: { block: loss, at: step1 }`).replace('eta: 0.05 }', 'eta: 0.05, snapshots: true }');
    // a metric the formulas do not read is not computed on a stopped trial, so one that needs the whole run's snapshots is allowed
    expect(errors(snap)).toEqual([]);
    const variants = search("variants: { fast: { c: 1 } }\nproperty: 'lmin > c'");
    expect(errors(variants)).toEqual([expect.stringContaining('search.variants: early_decision: a trial with variants')]);
    const noDynamics = search("property: 'lmin > c'").replace(/dynamics: .*\n/, '');
    expect(errors(noDynamics).join('\n')).toContain('early_decision: the search has no dynamics to stop early');
  });

  it('a problem only the full scale has is reported there', () => {
    const s = search("property: 'lmin > c'\nfull:\n  metrics:\n    lmin: { when: 'loss < 1', default: 5 }");
    expect(errors(s)).toEqual([expect.stringContaining('(at the full scale, run --full)')]);
  });

  it('a histogram beside early decision is refused at its line: it would plot failing trials’ metrics at their stop steps', () => {
    const text = claimText({ search: search("property: 'lmin > c'"), after: 'histogram: { metric: lossT }\n' });
    const r = loadClaimText('x.yaml', text, 't');
    const lines = text.split('\n');
    const line = lines.findIndex((l) => l.startsWith('histogram:')) + 1;
    expect(r.ok ? [] : r.errors.map(formatError)).toEqual([
      expect.stringMatching(new RegExp(`^x\\.yaml:${line}:\\d+: histogram: a histogram plots "lossT" of every judged trial as the end of its run gives it, but search\\.early_decision stops`)),
    ]);
    // without early decision the same histogram is valid
    expect(loadClaimText('x.yaml', text.replace('early_decision: true', ''), 't').ok).toBe(true);
  });
});

