// replay of a trial that early decision stopped (issue 22, hostile finding 3; review finding 2): the output
// says the status was decided at the stop step and the path after it was not computed, and prints the
// command that runs the whole path — there the decider watches without stopping, so the status is the
// same (fail, decided at step 1) and the message reports the divergence later on the path.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { claimsFixture, runCli } from '../helpers.js';

const CLAIM = `id: testpaper.diverge-later
title: 'the loss stays above c on a path that diverges after the decision'
statement: { text: 'x', latex: 'x' }
source: { location: 'none', quote: 'none' }
provenance: D
expect: holds
search:
  trials: 4
  seed: 3
  early_decision: true
  space: { c: { range: [0.001, 0.3], step: 0.001 }, eta: { range: [0.1, 0.8], step: 0.01 } }
  data: { block: matrix-completion, rows: 2, cols: 2, observed: [[1, 2, 1], [2, 1, 1], [2, 2, 0]] }
  model: { block: deep-linear, rows: 2, cols: 2, depth: 3, init: gaussian, scale: 1 }
  loss: { block: square, reduction: sum }
  dynamics: { block: gradient-descent, steps: 400, eta: eta }
  metrics:
    lmin: { block: path-extreme, layer: W, of: 'loss' }
  property: 'lmin > c'
`;

describe('replay of a trial stopped early', () => {
  it('says what was not computed and prints the whole path’s replay: the same status, with the later divergence reported', () => {
    const file = join(claimsFixture({ 'diverge-later.yaml': CLAIM }), 'diverge-later.yaml');
    const r = runCli(['replay', file, '--values', 'c=0.05,eta=0.7,seed=25'], { timeout: 60_000 });
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain('status    fail');
    expect(r.out).toMatch(/early {5}stopped at step 1 \(loss [^)]*\): fail: the property is false for good/);
    expect(r.out).toContain('the status was decided at step 1 (the property was false for good there) and the path after it was not computed');
    const whole = /the whole path: (.*)$/m.exec(r.out)?.[1];
    expect(whole).toBe(`npx claimcheck replay ${file} --values c=0.05,eta=0.7,seed=25 --no-early`);
    const w = runCli(whole!.split(' ').slice(2), { timeout: 60_000 });
    expect(w.code, w.err).toBe(0);
    expect(w.out).toMatch(
      /status {4}fail — decided at step 1: fail: the property is false for good: .*; the rest of the path, run to its end: diverged — simulation diverged \(non-finite value\) at step 9/,
    );
    expect(w.out).toMatch(/decided {3}at step 1 \(loss [^)]*\): fail: .*the path was run to its end \(--no-early\)/);
    expect(w.out).not.toContain('early     ');
  });
});
