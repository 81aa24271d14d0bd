// The claim-file schema (zod). Field-by-field documentation with a worked example: docs/claim-format.md.
import { z } from 'zod';
import { LIMITS, overLimit } from './limits.js';

const identifier = z.string().regex(/^[A-Za-z][A-Za-z0-9_]*$/, 'an identifier: a letter, then letters, digits or _');
const expr = z.string().min(1);

export const provenanceTags = ['V', 'A', 'R', 'D', 'N'] as const;

export const domainSchema = z
  .strictObject({
    int: z.tuple([z.number().int(), z.number().int()]).optional(),
    grid: z.array(z.number().finite()).min(1).max(10000).optional(),
    range: z.tuple([z.number().finite(), z.number().finite()]).optional(),
    step: z.number().positive().finite().optional(),
    log: z.tuple([z.number().positive().finite(), z.number().positive().finite()]).optional(),
    per_decade: z.number().int().positive().max(1000).optional(),
  })
  .superRefine((d, ctx) => {
    const kinds = (['int', 'grid', 'range', 'log'] as const).filter((k) => d[k] !== undefined);
    if (kinds.length !== 1) {
      ctx.addIssue({ code: 'custom', message: `a domain needs exactly one of int, grid, range (with step), log (with per_decade); found ${kinds.length ? kinds.join(', ') : 'none'}` });
      return;
    }
    const k = kinds[0];
    if (k === 'int' && d.int![0] > d.int![1]) ctx.addIssue({ code: 'custom', path: ['int'], message: `empty integer range [${d.int}]` });
    if (k === 'range') {
      if (d.step === undefined) ctx.addIssue({ code: 'custom', path: ['step'], message: 'a range domain needs a step (searches draw from a readable grid)' });
      else if ((d.range![1] - d.range![0]) / d.step > 10000) ctx.addIssue({ code: 'custom', path: ['step'], message: 'range/step gives more than 10000 grid points' });
      if (d.range![0] > d.range![1]) ctx.addIssue({ code: 'custom', path: ['range'], message: `empty range [${d.range}]` });
    }
    if (k === 'log') {
      if (d.per_decade === undefined) ctx.addIssue({ code: 'custom', path: ['per_decade'], message: 'a log domain needs per_decade' });
      if (d.log![0] > d.log![1]) ctx.addIssue({ code: 'custom', path: ['log'], message: `empty range [${d.log}]` });
    }
    if (k === 'int' && !d.int!.every(Number.isSafeInteger)) ctx.addIssue({ code: 'custom', path: ['int'], message: `integer ends must lie within ±2^53, found [${d.int}]` });
    else if ((k !== 'range' || d.step !== undefined) && (k !== 'log' || d.per_decade !== undefined)) {
      const size = domainSize(d);
      if (!(size <= LIMITS.domainValues.value)) ctx.addIssue({ code: 'custom', path: [k], message: `domain size ${overLimit('domainValues', size)}` });
    }
    if (k !== 'range' && d.step !== undefined) ctx.addIssue({ code: 'custom', path: ['step'], message: 'step belongs to a range domain' });
    if (k !== 'log' && d.per_decade !== undefined) ctx.addIssue({ code: 'custom', path: ['per_decade'], message: 'per_decade belongs to a log domain' });
  });
export type Domain = z.infer<typeof domainSchema>;

/** Decades between a and b, finite even when b/a overflows (log: [1e-300, 1e300]). */
export function decades(a: number, b: number): number {
  const r = b / a;
  return Number.isFinite(r) ? Math.log10(r) : Math.log10(b) - Math.log10(a);
}

/** Round to 12 significant digits so grid values print as the numbers a person would write. */
function tidy(x: number): number {
  return Number(x.toPrecision(12));
}

/** The i-th value of a domain (0 ≤ i < domainSize(d)), computed. */
export function domainValue(d: Domain, i: number): number {
  if (d.int) return d.int[0] + i;
  if (d.grid) return d.grid[i];
  if (d.range) return tidy(d.range[0] + i * d.step!);
  const [a] = d.log!;
  const k = d.per_decade!;
  const v = a * Math.pow(10, i / k);
  return tidy(Number.isFinite(v) && v > 0 ? v : Math.pow(10, Math.log10(a) + i / k));
}

/** How many values a domain has, computed, never listed (an int range of 10¹² values is fine to sample from). */
export function domainSize(d: Domain): number {
  if (d.int) return d.int[1] - d.int[0] + 1;
  if (d.grid) return d.grid.length;
  if (d.range) return Math.floor((d.range[1] - d.range[0]) / d.step! + 1e-9) + 1;
  return Math.floor(decades(d.log![0], d.log![1]) * d.per_decade! + 1e-9) + 1;
}

const blockRef = z.looseObject({ block: z.string() });
export type BlockRef = z.infer<typeof blockRef>;

const caseSchema = z.strictObject({
  name: z.string().min(1),
  when: z.array(expr).default([]),
  define: z.record(z.string(), expr).default({}),
});

export const symbolicStepSchema = z
  .strictObject({
    id: identifier,
    kind: z.enum(['identity', 'inequality', 'conserved']),
    statement: z.string().optional(),
    note: z.string().optional(),
    lhs: expr.optional(),
    rhs: expr.optional(),
    relation: z.enum(['<=', '<', '>=', '>']).optional(),
    certificate: expr.optional(),
    quantity: expr.optional(),
    flow: z.record(identifier, expr).optional(),
    derivative: expr.default('0'),
    variables: z.record(identifier, z.tuple([z.number().finite(), z.number().finite()])),
    where: z.record(identifier, expr).default({}),
    assume: z.array(expr).default([]),
    cases: z.array(caseSchema).min(1).optional(),
    points: z.number().int().min(200).max(100000).default(200),
  })
  .superRefine((s, ctx) => {
    const need = (f: keyof typeof s) => {
      if (s[f] === undefined) ctx.addIssue({ code: 'custom', path: [f], message: `${s.kind === 'conserved' ? 'a' : 'an'} ${s.kind} step needs "${f}"` });
    };
    if (s.kind === 'identity') (need('lhs'), need('rhs'));
    if (s.kind === 'inequality') (need('lhs'), need('rhs'), need('relation'));
    if (s.kind === 'conserved') (need('quantity'), need('flow'));
  });
export type SymbolicStep = z.infer<typeof symbolicStepSchema> & { /** set by the loader for a step named in `uses` */ sharedFrom?: string };

/**
 * A hypothesis: a condition on a trial (an expression), tagged `premise` (an assumption of the theorem:
 * `claimcheck ablate` drops it in turn) or `validity` (a technical filter: converged, accurate). A bare
 * expression is untagged (never ablated). `widen`: the domains some space variables take when the premise
 * is dropped, for a premise the declared space enforces by construction (e.g. κ large).
 */
export const hypothesisSchema = z.preprocess(
  // a bare expression is an untagged hypothesis; one schema for both forms, so an error names the field at fault
  (v) => (typeof v === 'string' ? { when: v } : v),
  z.strictObject({
    when: expr,
    role: z.enum(['premise', 'validity']).optional(),
    note: z.string().min(1).max(2000).optional(),
    widen: z.record(identifier, domainSchema).optional(),
  }),
);
export type HypothesisSpec = z.infer<typeof hypothesisSchema>;
export type HypothesisRole = 'premise' | 'validity' | 'untagged';

/** A search's hypotheses in declaration order, with their role (bare expressions are untagged). */
export function hypothesesOf(s: Pick<SearchSpec, 'hypotheses'>): Array<{ name: string; when: string; role: HypothesisRole; note?: string; widen?: Record<string, Domain> }> {
  return Object.entries(s.hypotheses).map(([name, h]) => ({ name, ...h, role: h.role ?? 'untagged' }));
}

export const searchSchema = z.strictObject({
  trials: z.number().int().min(1).max(LIMITS.trials.value).default(100),
  min_in_regime: z.number().int().min(1).optional(),
  timeout_s: z.number().positive().max(3600).default(60),
  seed: z.number().int().min(0).max(2 ** 31 - 1).default(1),
  /** the arithmetic of every trial: float64, or double-double (about 32 digits; models, losses and dynamics with a double-double version only) */
  precision: z.enum(['float64', 'dd']).optional(),
  /** the guided phase after the covering design and the random trials: extra trials that minimize the property's robustness (default max(⌈trials/4⌉, 8), at most trials; 0 turns it off) */
  guided: z
    .strictObject({
      trials: z.number().int().min(0).max(LIMITS.trials.value).optional(),
      strategy: z.enum(['hill-climb', 'cross-entropy']).default('hill-climb'),
    })
    .optional(),
  space: z.record(identifier, domainSchema),
  data: blockRef.optional(),
  model: blockRef.optional(),
  loss: blockRef.optional(),
  dynamics: blockRef.optional(),
  metrics: z.record(identifier, blockRef),
  /** the same trial re-run with some variables changed (same seed); metric m of variant v is named m_v */
  variants: z.record(identifier, z.record(identifier, z.union([z.number().finite(), expr]))).default({}),
  let: z.record(identifier, expr).default({}),
  hypotheses: z.record(identifier, hypothesisSchema).default({}),
  property: expr,
  /** a claim about how often the property (the event) holds: Pr[property] ≥ at_least, judged by an exact binomial interval; no trial is then a counterexample on its own */
  frequency: z
    .strictObject({
      /** the claimed lower bound on the probability; may use the space's variables (averaged over the trials) */
      at_least: expr,
      confidence: z.number().min(0.5).max(0.9999).default(0.99),
    })
    .optional(),
  /** the authors' scale, run by `claimcheck run --full`: more trials, other domains for some variables (e.g. a lower target loss) */
  full: z
    .strictObject({
      trials: z.number().int().min(1).max(LIMITS.trials.value).optional(),
      min_in_regime: z.number().int().min(1).optional(),
      timeout_s: z.number().positive().max(3600).optional(),
      space: z.record(identifier, domainSchema).default({}),
      /** parameters of existing metrics to replace (e.g. more restarts), merged into each metric's own */
      metrics: z.record(identifier, z.record(z.string(), z.unknown())).default({}),
    })
    .optional(),
});
export type SearchSpec = z.infer<typeof searchSchema>;

/** The search at CI size (as written) or at the authors' scale (`full` merged in). */
/** Trials the guided phase proposes at a time, and its least default size. */
export const GUIDED_BATCH = 8;

/** The guided phase's trials after N covering and random ones: `guided.trials`, or by default a quarter of N, at least one batch, at most N. */
export function guidedTrialCount(spec: Pick<SearchSpec, 'frequency' | 'guided'>, N: number): number {
  return spec.frequency || N === 0 ? 0 : (spec.guided?.trials ?? Math.min(N, Math.max(Math.ceil(N / 4), GUIDED_BATCH)));
}

export function searchAtScale(s: SearchSpec, full: boolean): SearchSpec {
  if (!full || !s.full) return s;
  const { space, metrics, ...rest } = s.full;
  const merged = Object.fromEntries(Object.entries(s.metrics).map(([k, m]) => [k, { ...m, ...metrics?.[k] }]));
  return { ...s, ...Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== undefined)), space: { ...s.space, ...space }, metrics: merged };
}

export const boundarySchema = z.strictObject({
  x: z.strictObject({ var: identifier, values: z.array(z.number().finite()).min(1).max(200), log: z.boolean().default(false) }),
  y: z.strictObject({ var: identifier, values: z.array(z.number().finite()).min(1).max(200), log: z.boolean().default(false) }).optional(),
  metric: identifier,
  /** a metric or let giving the half-width of an error bar (sweeps without y) */
  error: identifier.optional(),
  fixed: z.record(identifier, z.number().finite()).default({}),
  seed: z.number().int().min(0).default(0),
  /** trials per grid point (trial seeds seed, seed + 1, …), summarized by `aggregate` over the in-regime ones */
  seeds: z.number().int().min(1).max(1000).default(1),
  /** median (error bars: quartiles), mean (error bars: standard error), or fraction of trials where the metric is non-zero (error bars: exact 95% interval) */
  aggregate: z.enum(['median', 'mean', 'fraction']).default('median'),
  threshold: z.number().finite().optional(),
  curves: z.array(z.strictObject({ name: z.string().min(1), y: expr, provenance: z.enum(provenanceTags).optional() })).default([]),
});
export type BoundarySpec = z.infer<typeof boundarySchema>;

/** A picture of the path: y against x (path expressions of one layer) for each value of a series variable. */
export const trajectorySchema = z.strictObject({
  layer: identifier,
  x: expr,
  /** one expression (one line per series value), or several traced along one run (e.g. [s1, s2, s3] for a staircase; no series then) */
  y: z.union([expr, z.array(expr).min(1).max(9)]),
  series: z.strictObject({ var: identifier, values: z.array(z.number().finite()).min(1).max(12) }).optional(),
  fixed: z.record(identifier, z.number().finite()).default({}),
  seed: z.number().int().min(0).default(0),
  x_log: z.boolean().default(false),
  y_log: z.boolean().default(false),
  x_reversed: z.boolean().default(false),
  /** points from the first step where this holds are drawn as imprecise (e.g. det W below float64 precision) */
  until: expr.optional(),
  /** overlays: y as an expression of the x symbol (x must then be a single symbol) */
  curves: z.array(z.strictObject({ name: z.string().min(1), y: expr, provenance: z.enum(provenanceTags).optional() })).default([]),
});
export type TrajectorySpec = z.infer<typeof trajectorySchema>;

/** A histogram of one metric over the search's judged trials (e.g. the stable ranks of the converged runs, as in a paper's figure). */
export const histogramSchema = z.strictObject({
  metric: identifier,
  bins: z.number().int().min(2).max(200).default(20),
  range: z.tuple([z.number().finite(), z.number().finite()]).optional(),
  /** a vertical rule (e.g. the property's threshold) */
  rule: z.number().finite().optional(),
});
export type HistogramSpec = z.infer<typeof histogramSchema>;

export const claimShape = z.strictObject({
    id: z.string().regex(/^[a-z0-9][a-z0-9.-]*$/, 'lower-case letters, digits, "." and "-"'),
    title: z.string().min(1),
    statement: z.strictObject({ text: z.string().min(1), latex: z.string().min(1) }),
    source: z.strictObject({ location: z.string().min(1), quote: z.string().optional(), via: z.string().optional() }),
    provenance: z.enum(provenanceTags),
    provenance_note: z.string().optional(),
    expect: z.enum(['holds', 'refuted']),
    refutes: z.string().optional(),
    notes: z.string().optional(),
    /** when the search cannot reach the theorem's object (e.g. a global optimum, where the dynamics reach a KKT point at best): what it tests instead, and what a counterexample then means */
    tested_object: z.strictObject({ what: z.string().min(1), counterexample_means: z.string().min(1) }).optional(),
    /** why a search the vacuity check flags is meaningful all the same (a sign property, an exact identity, …) */
    vacuity_ok: z.string().min(1).max(2000).optional(),
    /** a refutation target that is another claim with one premise dropped ("claim-id#premise"): the ablation of that premise must find it needed */
    drops_premise: z.string().regex(/^[a-z0-9][a-z0-9.-]*#[A-Za-z][A-Za-z0-9_]*$/, 'a dropped premise is named "claim-id#hypothesis"').optional(),
    symbolic: z.array(symbolicStepSchema).default([]),
    /** symbolic steps of other claims that this claim rests on too, as "claim-id#step-id": checked here as well, never copied */
    uses: z.array(z.string().regex(/^[a-z0-9][a-z0-9.-]*#[A-Za-z_][A-Za-z0-9_]*$/, 'a shared step is named "claim-id#step-id"')).default([]),
    search: searchSchema.optional(),
    boundary: boundarySchema.optional(),
    trajectory: trajectorySchema.optional(),
    histogram: histogramSchema.optional(),
  });
export type Claim = z.infer<typeof claimShape>;

export const paperSchema = z.strictObject({
  key: z.string().regex(/^[a-z0-9]+$/),
  authors: z.array(z.string().min(1)).min(1),
  title: z.string().min(1),
  year: z.number().int().min(1900).max(2100),
  arxiv: z.string().regex(/^\d{4}\.\d{4,5}$/).optional(),
  venue: z.string().optional(),
});
export type Paper = z.infer<typeof paperSchema>;
