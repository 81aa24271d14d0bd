// Fuzz (#17): random corruption and forgery of a genuine journal — random lines, flipped characters,
// forged entries under valid keys without a valid MAC, genuine lines replayed under another key or
// with their result edited, lines cut short or repeated — never changes a verdict: every search
// gives exactly what a --no-cache run gives. CI runs a few hundred cases; FUZZ_RUNS=10000 nightly.
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import type { SearchSpec } from '../../src/claims/schema.js';
import { journaledRunner, openJournal } from '../../src/search/journal.js';
import { inlineRunner } from '../../src/search/pool.js';
import { runSearch, type SearchResult } from '../../src/search/search.js';
import { sampleSpace } from '../../src/search/space.js';
import { fcRuns, searchFixture } from '../helpers.js';

const RUNS = Number(process.env.FUZZ_RUNS ?? 200);
const ENGINE = 'f'.repeat(64);
const TAG = ENGINE.slice(0, 16);
const SECRET = randomBytes(32);
const DIR = mkdtempSync(join(tmpdir(), 'cc-journal-fuzz-'));

const spec = (property: string, extra = ''): SearchSpec =>
  searchFixture(`
trials: 10
space: { x: { grid: [0, 1, 2, 3, 7] } }
model: { block: two-layer, d: 2, width: 1, w_scale: 1 }
metrics: { w: { block: layer-entry, layer: W, col: 0 } }
${extra}
property: '${property}'`);
const CLAIMS: Array<{ id: string; spec: SearchSpec }> = [
  { id: 'refuted', spec: spec('x < 5') },
  { id: 'holds', spec: spec('x >= 0') },
  { id: 'frequency', spec: spec('x < 3', "frequency: { at_least: '0.5' }") },
  { id: 'regime', spec: spec('w > -10', "hypotheses: { small: 'x <= 2' }") },
];

const summary = (r: SearchResult) => ({ verdict: r.verdict, reason: r.reason, counts: r.counts, witness: r.witness?.values, frequency: r.frequency });
const search = (c: (typeof CLAIMS)[number], file?: string) =>
  runSearch(c.spec, {
    claimId: c.id,
    runner: journaledRunner(inlineRunner(), openJournal(file, ENGINE, { secret: SECRET, warn: () => {} }), openJournal(undefined, ENGINE)),
  });

let genuine: string[] = [];
const baseline: Record<string, unknown> = {};
beforeAll(async () => {
  const file = join(DIR, 'genuine.jsonl');
  for (const c of CLAIMS) {
    baseline[c.id] = summary(await search(c));
    await search(c, file);
  }
  genuine = readFileSync(file, 'utf8').trim().split('\n');
});

const keyOf = (c: (typeof CLAIMS)[number], values: Record<string, number>, claim = c.id) =>
  createHash('sha256')
    .update(JSON.stringify([TAG, 'trial', c.spec, values, { claim }]))
    .digest('hex');

const resultJson = fc.oneof(
  fc.constantFrom('pass', 'fail', 'out-of-regime', 'diverged', 'timeout').map((status) => ({ status, quantities: {} })),
  fc.constant({}),
  fc.jsonValue(),
);

/** One corruption of the journal, as text lines to add or replace. */
const corruption = fc.oneof(
  fc.string({ maxLength: 200 }).map((s) => ({ kind: 'random line', apply: (l: string[]) => [...l, s] })),
  fc.jsonValue().map((v) => ({ kind: 'random JSON', apply: (l: string[]) => [...l, JSON.stringify(v)] })),
  fc.tuple(fc.nat(), fc.nat(), fc.integer({ min: 32, max: 126 })).map(([i, at, ch]) => ({
    kind: 'flipped character',
    apply: (l: string[]) => {
      if (!l.length) return l;
      const line = l[i % l.length];
      const p = at % line.length;
      return l.map((x, j) => (j === i % l.length ? line.slice(0, p) + String.fromCharCode(ch) + line.slice(p + 1) : x));
    },
  })),
  fc
    .tuple(
      fc.nat(),
      fc.nat({ max: 9 }),
      fc.constantFrom('pass', 'fail', 'out-of-regime', 'diverged'),
      fc.constantFrom('random', 'none', 'copied'),
      fc.nat(),
      fc.boolean(),
    )
    .map(([ci, t, status, macKind, copyFrom, otherClaim]) => ({
      kind: 'forged entry under a valid key',
      apply: (l: string[]) => {
        const c = CLAIMS[ci % CLAIMS.length];
        const values = sampleSpace(c.spec.space, c.spec.seed, 10)[t];
        const r = JSON.stringify({ result: { status, values, quantities: { w: 0 }, hypotheses: {}, property: { holds: status === 'pass' }, ms: 0 } });
        const m = macKind === 'random' ? randomBytes(32).toString('hex') : macKind === 'copied' ? JSON.parse(genuine[copyFrom % genuine.length]).m : undefined;
        return [...l, JSON.stringify({ e: TAG, k: keyOf(c, values, otherClaim ? 'other' : c.id), r, ...(m ? { m } : {}) })];
      },
    })),
  fc.tuple(fc.nat(), fc.nat(), fc.nat({ max: 9 })).map(([i, ci, t]) => ({
    kind: 'genuine line replayed under another key',
    apply: (l: string[]) => {
      const x = JSON.parse(genuine[i % genuine.length]);
      const c = CLAIMS[ci % CLAIMS.length];
      return [...l, JSON.stringify({ ...x, k: keyOf(c, sampleSpace(c.spec.space, c.spec.seed, 10)[t]) })];
    },
  })),
  fc.tuple(fc.nat(), resultJson).map(([i, r]) => ({
    kind: 'genuine line with its result edited',
    apply: (l: string[]) => {
      const x = JSON.parse(genuine[i % genuine.length]);
      const old = JSON.parse(x.r);
      const edited = r && typeof r === 'object' && 'status' in r ? { result: { ...old.result, status: r.status } } : r;
      return [...l, JSON.stringify({ ...x, r: JSON.stringify(edited) })];
    },
  })),
  fc.tuple(fc.nat(), fc.nat()).map(([i, cut]) => ({
    kind: 'line cut short',
    apply: (l: string[]) => (l.length ? l.map((x, j) => (j === i % l.length ? x.slice(0, cut % x.length) : x)) : l),
  })),
  fc.nat().map((i) => ({ kind: 'line repeated', apply: (l: string[]) => (l.length ? [...l, l[i % l.length]] : l) })),
  fc.constant({ kind: 'lines shuffled', apply: (l: string[]) => [...l].reverse() }),
);

describe('journal fuzz: corruption and forgery never change a verdict', () => {
  it(`every search gives what a --no-cache run gives (${RUNS} corrupted journals × ${CLAIMS.length} claims)`, async () => {
    let n = 0;
    const kinds: Record<string, number> = {};
    await fc.assert(
      fc.asyncProperty(fc.subarray(genuine.map((_, i) => i)), fc.array(corruption, { minLength: 1, maxLength: 6 }), async (keep, ops) => {
        let lines = keep.map((i) => genuine[i]);
        for (const op of ops) {
          lines = op.apply(lines);
          kinds[op.kind] = (kinds[op.kind] ?? 0) + 1;
        }
        const file = join(DIR, `j${n++}.jsonl`);
        writeFileSync(file, lines.join('\n') + '\n');
        for (const c of CLAIMS) expect(summary(await search(c, file)), `${c.id} with ${ops.map((o) => o.kind).join(', ')}`).toEqual(baseline[c.id]);
      }),
      fcRuns(RUNS),
    );
    console.log(`journal fuzz: ${n} journals; corruptions: ${JSON.stringify(kinds)}`);
  });
});
