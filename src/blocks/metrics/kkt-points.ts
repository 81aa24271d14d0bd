// KKT points of the max-margin problem (P) constructed by LP, not reached by dynamics (Frei et al.
// note §1 and L1): the search over activation patterns of numeric/kkt-points.ts, read out as a metric.
import { z } from 'zod';
import type { Dataset } from '../../numeric/data.js';
import { searchKktPoints, type KktSearchResult } from '../../numeric/kkt-points.js';
import { defineMetric, needData, twoLayerParts } from './common.js';

const outputs = {
  'max-sv3': (r: KktSearchResult) => r.maxSv3,
  'max-rank': (r: KktSearchResult) => r.maxRank,
  feasible: (r: KktSearchResult) => r.feasible,
  distinct: (r: KktSearchResult) => r.distinct,
  tried: (r: KktSearchResult) => r.tried,
  unconfirmed: (r: KktSearchResult) => r.unconfirmed,
  'max-residual': (r: KktSearchResult) => r.maxResidual,
} as const;
type Output = keyof typeof outputs;

// one search per trial, shared by the metrics that read different outputs of it
const searches = new WeakMap<Dataset, Map<string, KktSearchResult>>();

export const kktPointSearch = defineMetric({
  name: 'kkt-point-search',
  summary:
    'constructs KKT points of (P) for the two-layer leaky-ReLU net with fixed output weights a = v (its initial values) and slope γ on the trial’s data: for the aligned pattern sign⟨w_j,x_i⟩ = sign(a_j y_i) and `per_kind` random candidates of each kind (flipped, kinked, random, induced: an above/below/on-the-kink state per (j, i) and a support), each repaired `repair` times by a phase-1 LP, one LP decides whether a KKT point with that pattern and support exists; each is confirmed by kkt-residual’s LP (residual and slackness ≤ 1e-6). Output "max-sv3" (max σ₃/σ₁ of W over the confirmed points; a trial error when there are none), "max-rank" (singular values above 1e-9 σ₁), "feasible" (confirmed points), "distinct", "tried", "unconfirmed" (LP-feasible but rejected by the check) or "max-residual"',
  params: z.strictObject({
    output: z.enum(Object.keys(outputs) as [Output, ...Output[]]).default('max-sv3'),
    per_kind: z.number().int().min(0).max(1000).default(8),
    repair: z.number().int().min(0).max(20).default(3),
  }),
  expressions: {},
  needs: { layers: ['W', 'v'], meta: ['gamma'] },
  create: (p, ctx) => {
    const rng = ctx.rng.fork('kkt-patterns');
    return (s) => {
      const d = needData(s);
      const { a, gamma } = twoLayerParts(s);
      const key = JSON.stringify([p.per_kind, p.repair, gamma, Array.from(a)]);
      let byKey = searches.get(d);
      if (!byKey) searches.set(d, (byKey = new Map()));
      let r = byKey.get(key);
      if (!r) byKey.set(key, (r = searchKktPoints(d.X, d.y, a, gamma, rng, p.per_kind, undefined, p.repair)));
      // a maximum over no KKT point is not a measurement: "every KKT point has rank ≤ 2" would hold vacuously (e.g. (P) infeasible)
      if (r.distinct === 0 && p.output.startsWith('max-'))
        throw new Error(
          `kkt-point-search: no KKT point of (P) among the ${r.tried} candidate patterns, so "${p.output}" has nothing to measure (are the data separable by this net, with labels ±1?)`,
        );
      return outputs[p.output](r);
    };
  },
});
