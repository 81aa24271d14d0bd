// The journal: each result computed once per run (even when asked for twice at the same time), kept
// across runs for the same engine only, for trials and for symbolic steps alike.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { symbolicStepSchema } from '../../src/claims/schema.js';
import { journaledRunner, openJournal } from '../../src/search/journal.js';
import { inlineRunner, type TrialRunner } from '../../src/search/pool.js';

const later = <T>(v: T) => new Promise<T>((r) => setTimeout(() => r(v), 20));

describe('journal', () => {
  it('computes a result once when two callers ask for it at the same time (in memory, as under --no-cache)', async () => {
    const j = openJournal(undefined, 'engine-a');
    let calls = 0;
    const compute = () => (calls++, later({ x: 1 }));
    const [a, b] = await Promise.all([j.once(['k'], compute, () => true), j.once(['k'], compute, () => true)]);
    expect(calls).toBe(1);
    expect([a.reused, b.reused].sort()).toEqual([false, true]);
    expect(b.value).toEqual({ x: 1 });
    expect(j.stats).toMatchObject({ runs: 1, hits: 1 });
  });

  it('keeps results across runs of the same engine only, and never those `keep` rejects', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'cc-journal-')), 'j.jsonl');
    const first = openJournal(file, 'engine-a');
    await first.once(
      ['kept'],
      () => later({ v: Infinity }),
      () => true,
    );
    await first.once(
      ['dropped'],
      () => later({ v: 2 }),
      () => false,
    );
    const again = openJournal(file, 'engine-a');
    let calls = 0;
    const r = await again.once(
      ['kept'],
      () => (calls++, later({ v: 0 })),
      () => true,
    );
    expect(r).toEqual({ value: { v: Infinity }, reused: true });
    expect(
      (
        await again.once(
          ['dropped'],
          () => (calls++, later({ v: 3 })),
          () => true,
        )
      ).reused,
    ).toBe(false);
    expect(calls).toBe(1);
    const otherEngine = openJournal(file, 'engine-b');
    expect(otherEngine.stats).toMatchObject({ loaded: 0, skipped: 2 });
    expect(
      (
        await otherEngine.once(
          ['kept'],
          () => later({ v: 5 }),
          () => true,
        )
      ).value,
    ).toEqual({ v: 5 });
  });

  it('answers a symbolic step checked by an earlier run from the step journal', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cc-journal-'));
    const step = symbolicStepSchema.parse({ id: 'sq', kind: 'identity', lhs: '(x+1)^2', rhs: 'x^2 + 2*x + 1', variables: { x: [-2, 2] } });
    let checked = 0;
    const counting = (): TrialRunner => {
      const inner = inlineRunner();
      return { ...inner, step: (s, seed) => (checked++, inner.step(s, seed)) };
    };
    const open = () => journaledRunner(counting(), openJournal(join(dir, 'trials.jsonl'), 'e'), openJournal(join(dir, 'steps.jsonl'), 'e'));
    const a = (await open().step(step, 7)).result;
    const b = (await open().step(step, 7)).result;
    expect(a.verdict).toBe('verified');
    expect(JSON.stringify(b)).toBe(JSON.stringify(a));
    expect(checked).toBe(1);
    await open().step(step, 8);
    expect(checked, 'another seed is another check').toBe(2);
  });
});
