// The claim-file schema (zod). Field-by-field documentation with a worked example: docs/claim-format.md.
import { z } from 'zod';
import { nearestName } from '../core/did-you-mean.js';
import { LIMITS, overLimit } from './limits.js';

const identifier = z.string().regex(/^[A-Za-z][A-Za-z0-9_]*$/, 'an identifier: a letter, then letters, digits or _');
const expr = z.string().min(1);

export const provenanceTags = ['V', 'A', 'R', 'D', 'N'] as const;

export const domainSchema = z
  .strictObject({
    int: z.tuple([z.number().int(), z.number().int()]).optional().describe('[a, b]: the integers a, a + 1, …, b'),
    grid: z.array(z.number().finite()).min(1).max(10000).optional().describe('[v1, v2, …]: these values, in this order (shrinking moves to the first: put the simplest first)'),
    range: z.tuple([z.number().finite(), z.number().finite()]).optional().describe('[a, b] with a step: a, a + step, …, up to b'),
    step: z.number().positive().finite().optional().describe('the spacing of a range domain'),
    log: z.tuple([z.number().positive().finite(), z.number().positive().finite()]).optional().describe('[a, b] with per_decade: a·10^(i/per_decade), up to b (a, b > 0)'),
    per_decade: z.number().int().positive().max(1000).optional().describe('values per factor of 10 of a log domain'),
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
  })
  .describe('a domain: exactly one of { int: [a, b] }, { grid: [v1, v2, …] }, { range: [a, b], step: s }, { log: [a, b], per_decade: k }');
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
  name: z.string().min(1).describe('the case, as the report names it'),
  when: z.array(expr).default([]).describe('conditions that select the case (expressions)'),
  define: z.record(z.string(), expr).default({}).describe("piecewise functions on this case, written 'phi(t)': 'gamma * t'"),
});

export const symbolicStepSchema = z
  .strictObject({
    id: identifier.describe('the step’s name (letters, digits, _); another claim cites it as claim-id#step-id'),
    kind: z.enum(['identity', 'inequality', 'conserved']).describe('identity: lhs = rhs; inequality: lhs `relation` rhs; conserved: d/dt quantity = derivative along flow'),
    statement: z.string().optional().describe('LaTeX for the report'),
    note: z.string().optional().describe('prose for the report'),
    lhs: expr.optional().describe('left-hand side (identity, inequality)'),
    rhs: expr.optional().describe('right-hand side (identity, inequality)'),
    relation: z.enum(['<=', '<', '>=', '>']).optional().describe('an inequality’s relation: lhs relation rhs'),
    certificate: expr.optional().describe('an inequality’s slack (rhs − lhs for <=) written from squares, even powers, abs, sqrt, exp and non-negative terms: the CAS checks the equality'),
    quantity: expr.optional().describe('the conserved quantity Q'),
    flow: z.record(identifier, expr).optional().describe('d(variable)/dt for each variable that moves (conserved)'),
    derivative: expr.default('0').describe('the expected dQ/dt along the flow (conserved; default 0)'),
    variables: z.record(identifier, z.tuple([z.number().finite(), z.number().finite()])).describe('every free symbol → [low, high], the range its random points are drawn from'),
    where: z.record(identifier, expr).default({}).describe('named sub-expressions, substituted before checking (may use other where names)'),
    assume: z.array(expr).default([]).describe('conditions every random point must satisfy (e.g. a >= 0)'),
    cases: z.array(caseSchema).min(1).optional().describe('a case split: piecewise functions defined per sign region, each case checked on its own'),
    points: z.number().int().min(200).max(100000).default(200).describe('random points per case (default and least 200)'),
  })
  .superRefine((s, ctx) => {
    const need = (f: keyof typeof s) => {
      if (s[f] === undefined) ctx.addIssue({ code: 'custom', path: [f], message: `${s.kind === 'conserved' ? 'a' : 'an'} ${s.kind} step needs "${f}"` });
    };
    if (s.kind === 'identity') (need('lhs'), need('rhs'));
    if (s.kind === 'inequality') (need('lhs'), need('rhs'), need('relation'));
    if (s.kind === 'conserved') (need('quantity'), need('flow'));
  })
  .describe('a symbolic step: checked by computer algebra and at seeded random points');
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
    when: expr.describe('the condition (an expression)'),
    role: z.enum(['premise', 'validity']).optional().describe('premise: an assumption of the theorem (claimcheck ablate drops it in turn); validity: a technical filter (converged, accurate)'),
    note: z.string().min(1).max(2000).optional(),
    widen: z.record(identifier, domainSchema).optional().describe('a premise only: the domains some space variables take when it is dropped'),
  }),
).describe('a hypothesis: a bare expression, or { when, role, note, widen }; a trial where it is false is out of regime');
export type HypothesisSpec = z.infer<typeof hypothesisSchema>;
export type HypothesisRole = 'premise' | 'validity' | 'untagged';

/** A search's hypotheses in declaration order, with their role (bare expressions are untagged). */
export function hypothesesOf(s: Pick<SearchSpec, 'hypotheses'>): Array<{ name: string; when: string; role: HypothesisRole; note?: string; widen?: Record<string, Domain> }> {
  return Object.entries(s.hypotheses).map(([name, h]) => ({ name, ...h, role: h.role ?? 'untagged' }));
}

export const searchSchema = z
  .strictObject({
    trials: z.number().int().min(1).max(LIMITS.trials.value).default(100).describe('trials before the guided phase: a covering design, then random ones (default 100; --trials overrides)'),
    min_in_regime: z.number().int().min(1).optional().describe('in-regime trials needed for "holds" (default: a quarter of trials)'),
    timeout_s: z.number().positive().max(3600).default(60).describe('the time limit of one trial, in seconds (default 60)'),
    seed: z.number().int().min(0).max(2 ** 31 - 1).default(1).describe('the run seed (default 1; --seed overrides)'),
    precision: z
      .enum(['float64', 'dd'])
      .optional()
      .describe('the arithmetic of every trial: float64, or double-double (about 32 digits; models, losses and dynamics with a double-double version only)'),
    early_decision: z
      .boolean()
      .optional()
      .describe(
        'stop a trial’s dynamics at the first step where a hypothesis is false for good or the property is false for good under true hypotheses (a running path min already below its bound, a running max already above it); only for a property and hypotheses that compare running path extremes (path-extreme, active-set-changes) with constants, combined by and/or/not — anything else is invalid; run/replay --no-early turn it off',
      ),
    guided: z
      .strictObject({
        trials: z.number().int().min(0).max(LIMITS.trials.value).optional().describe('guided trials (default max(⌈trials/4⌉, 8), at most trials; 0 turns the phase off)'),
        strategy: z.enum(['hill-climb', 'cross-entropy']).default('hill-climb'),
      })
      .optional()
      .describe("the guided phase after the covering design and the random trials: extra trials that minimize the property's robustness"),
    space: z.record(identifier, domainSchema).describe('the searched variables, each with one domain; each trial also draws its own seed'),
    data: blockRef.optional().describe('the data block: { block: name, …parameters }'),
    model: blockRef.optional().describe('the model block: { block: name, …parameters }'),
    loss: blockRef.optional().describe('the loss block: { block: name, …parameters }'),
    dynamics: blockRef.optional().describe('the dynamics block (training): { block: name, …parameters }'),
    metrics: z.record(identifier, blockRef).describe('named numbers each trial records, each a metric block'),
    variants: z
      .record(identifier, z.record(identifier, z.union([z.number().finite(), expr])))
      .default({})
      .describe('the same trial re-run with some variables changed (same seed); metric m of variant v is named m_v'),
    let: z.record(identifier, expr).default({}).describe('derived values: expressions over variables, data statistics, metrics and earlier lets'),
    hypotheses: z.record(identifier, hypothesisSchema).default({}).describe('named conditions; a trial where one is false is out of regime (never evidence)'),
    property: expr.describe('the condition every in-regime trial must satisfy; a trial where it is false is a counterexample'),
    frequency: z
      .strictObject({
        at_least: expr.describe("the claimed lower bound on the probability; may use the space's variables (averaged over the trials)"),
        confidence: z.number().min(0.5).max(0.9999).default(0.99),
      })
      .optional()
      .describe('a claim about how often the property (the event) holds: Pr[property] ≥ at_least, judged by an exact binomial interval; no trial is then a counterexample on its own'),
    full: z
      .strictObject({
        trials: z.number().int().min(1).max(LIMITS.trials.value).optional(),
        min_in_regime: z.number().int().min(1).optional(),
        timeout_s: z.number().positive().max(3600).optional(),
        space: z.record(identifier, domainSchema).default({}).describe('domains that replace those of existing variables'),
        metrics: z
          .record(identifier, z.record(z.string(), z.unknown()))
          .default({})
          .describe("parameters of existing metrics to replace (e.g. more restarts), merged into each metric's own (not its block)"),
      })
      .optional()
      .describe("the authors' scale, run by claimcheck run --full: more trials, other domains for some variables (e.g. a lower target loss)"),
  })
  .describe('the numerical falsification search');
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

const axis = z.strictObject({
  var: identifier.describe('a variable of the search space'),
  values: z.array(z.number().finite()).min(1).max(200),
  log: z.boolean().default(false).describe('a log axis'),
});
const overlay = z
  .strictObject({ name: z.string().min(1), y: expr, provenance: z.enum(provenanceTags).optional() })
  .describe('an overlay curve: y as an expression of the x variable, with its provenance');

export const boundarySchema = z
  .strictObject({
    x: axis,
    y: axis.optional().describe('omit y for a 1-D sweep'),
    metric: identifier.describe('a metric or let of the search, drawn at each grid point'),
    error: identifier.optional().describe('a metric or let giving the half-width of an error bar (sweeps without y)'),
    fixed: z.record(identifier, z.number().finite()).default({}).describe('a value for every other space variable'),
    seed: z.number().int().min(0).default(0).describe('the trial seed used at every grid point'),
    seeds: z.number().int().min(1).max(1000).default(1).describe('trials per grid point (trial seeds seed, seed + 1, …), summarized by aggregate over the in-regime ones'),
    aggregate: z
      .enum(['median', 'mean', 'fraction'])
      .default('median')
      .describe('median (error bars: quartiles), mean (error bars: standard error), or fraction of trials where the metric is non-zero (error bars: exact 95% interval)'),
    threshold: z.number().finite().optional().describe('cells are marked ≤ / > this value'),
    curves: z.array(overlay).default([]),
  })
  .describe("a boundary map or sweep: the search's own trial on a grid of one or two variables, drawn as an SVG");
export type BoundarySpec = z.infer<typeof boundarySchema>;

export const trajectorySchema = z
  .strictObject({
    layer: identifier.describe('a layer of the model (deep-linear: W1 … WL, and the product W)'),
    x: expr.describe('a path expression (loss, step, det, fro, nuc, spec, erank, s1, s2, …, e11, e12, …); a single symbol if there are curves'),
    y: z
      .union([expr, z.array(expr).min(1).max(9)])
      .describe('one expression (one line per series value), or several traced along one run (e.g. [s1, s2, s3] for a staircase; no series then)'),
    series: z.strictObject({ var: identifier, values: z.array(z.number().finite()).min(1).max(12) }).optional().describe('one line per value of this space variable'),
    fixed: z.record(identifier, z.number().finite()).default({}).describe('a value for every other space variable'),
    seed: z.number().int().min(0).default(0),
    x_log: z.boolean().default(false),
    y_log: z.boolean().default(false),
    x_reversed: z.boolean().default(false),
    until: expr.optional().describe('points from the first step where this holds are drawn as imprecise (e.g. det W below float64 precision)'),
    curves: z.array(overlay).default([]).describe('overlays: y as an expression of the x symbol (x must then be a single symbol)'),
  })
  .describe('a picture of the path: y against x (path expressions of one layer) for each value of a series variable');
export type TrajectorySpec = z.infer<typeof trajectorySchema>;

export const histogramSchema = z
  .strictObject({
    metric: identifier.describe('a metric or let of the search'),
    bins: z.number().int().min(2).max(200).default(20),
    range: z.tuple([z.number().finite(), z.number().finite()]).optional().describe('[lo, hi] of the bins'),
    rule: z.number().finite().optional().describe("a vertical rule (e.g. the property's threshold)"),
  })
  .describe("a histogram of one metric over the search's judged trials, stacked by outcome (e.g. the stable ranks of the converged runs, as in a paper's figure)");
export type HistogramSpec = z.infer<typeof histogramSchema>;

export const claimShape = z
  .strictObject({
    id: z.string().regex(/^[a-z0-9][a-z0-9.-]*$/, 'lower-case letters, digits, "." and "-"').describe('the unique claim id; the report, replay and run <id> use it'),
    title: z.string().min(1).describe('one line'),
    statement: z
      .strictObject({ text: z.string().min(1).describe('the claim in words'), latex: z.string().min(1).describe('the claim in LaTeX (rendered in the report)') })
      .describe('the claim in words and in LaTeX'),
    source: z
      .strictObject({
        location: z.string().min(1).describe('theorem, section or page'),
        quote: z.string().optional().describe('the words we read'),
        via: z.string().optional().describe('where we read them'),
      })
      .describe('where in the paper the claim is'),
    provenance: z.enum(provenanceTags).describe('V read in the paper, A authors’ material, R recalled (never a threshold), D derived by us, N not found'),
    provenance_note: z.string().optional().describe('how the provenance was established'),
    expect: z.enum(['holds', 'refuted']).describe('what the paper asserts: holds, or refuted (a refutation target: a false sibling the search must refute)'),
    refutes: z.string().optional().describe('for a refutation target, the id of the true claim it shadows'),
    notes: z.string().optional().describe('free text: tolerances and why, constants that are unknown, what is out of scope'),
    tested_object: z
      .strictObject({ what: z.string().min(1), counterexample_means: z.string().min(1) })
      .optional()
      .describe("when the search cannot reach the theorem's object (e.g. a global optimum, where the dynamics reach a KKT point at best): what it tests instead, and what a counterexample then means"),
    vacuity_ok: z.string().min(1).max(2000).optional().describe('why a search the vacuity check flags is meaningful all the same (a sign property, an exact identity, …)'),
    drops_premise: z
      .string()
      .regex(/^[a-z0-9][a-z0-9.-]*#[A-Za-z][A-Za-z0-9_]*$/, 'a dropped premise is named "claim-id#hypothesis"')
      .optional()
      .describe('a refutation target that is another claim with one premise dropped ("claim-id#premise"): the ablation of that premise must find it needed'),
    symbolic: z.array(symbolicStepSchema).default([]).describe('symbolic steps, each checked by the CAS and at ≥ 200 random points'),
    uses: z
      .array(z.string().regex(/^[a-z0-9][a-z0-9.-]*#[A-Za-z_][A-Za-z0-9_]*$/, 'a shared step is named "claim-id#step-id"'))
      .default([])
      .describe('symbolic steps of other claims that this claim rests on too, as "claim-id#step-id": checked here as well, never copied'),
    search: searchSchema.optional(),
    boundary: boundarySchema.optional(),
    trajectory: trajectorySchema.optional(),
    histogram: histogramSchema.optional(),
  })
  .describe('a claimcheck claim file (docs/claim-format.md): a theorem of a paper, its symbolic steps and its numerical search');
export type Claim = z.infer<typeof claimShape>;

export const paperSchema = z.strictObject({
  key: z.string().regex(/^[a-z0-9]+(-[a-z0-9]+)*$/, 'lower-case letters and digits, words joined by single "-" (e.g. my-paper)'),
  authors: z.array(z.string().min(1)).min(1),
  title: z.string().min(1),
  year: z.number().int().min(1900).max(2100),
  arxiv: z.string().regex(/^\d{4}\.\d{4,5}$/, 'an arXiv id such as "2012.05156" (quoted, so YAML keeps it a string)').optional(),
  venue: z.string().optional(),
});
export type Paper = z.infer<typeof paperSchema>;

// Schema errors in words: what was expected and what was found, "did you mean" for an unknown field.

/** A problem with one field: its path, and whether the key itself is at fault (an unknown field: located at the key, not its value). */
export interface FieldIssue {
  path: PropertyKey[];
  atKey?: boolean;
  message: string;
  /** an unknown field's "did you mean" */
  near?: string;
}

/** A value as an error message names it: "a list", "the string "x"", "number 3", "nothing". */
export function describeValue(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  if (typeof v === 'string') return `the string ${JSON.stringify(v.length > 40 ? v.slice(0, 40) + '…' : v)}`;
  return `${typeof v} ${String(v)}`;
}

function valueAt(obj: unknown, path: readonly PropertyKey[]): unknown {
  let cur = obj;
  for (const p of path) {
    if (cur === null || typeof cur !== 'object' || !Object.hasOwn(cur, p)) return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[p];
  }
  return cur;
}

const TYPE_WORDS: Record<string, string> = {
  number: 'a number',
  int: 'an integer',
  bigint: 'an integer',
  string: 'a string',
  boolean: 'true or false',
  array: 'a list',
  tuple: 'a list',
  object: 'a mapping',
  record: 'a mapping',
  null: 'null',
};
const typeWords = (t: string) => TYPE_WORDS[t] ?? t;

type AnySchema = z.core.$ZodType;
const defOf = (s: AnySchema) => (s as unknown as { _zod: { def: Record<string, unknown> & { type: string } } })._zod.def;

/** The schema itself under optional/default/nullable wrappers and a preprocess step. */
function unwrap(s: AnySchema): AnySchema {
  for (;;) {
    const d = defOf(s);
    if (['optional', 'nullable', 'default', 'prefault', 'readonly', 'catch', 'nonoptional'].includes(d.type)) s = d.innerType as AnySchema;
    else if (d.type === 'pipe') s = defOf(d.in as AnySchema).type === 'transform' ? (d.out as AnySchema) : (d.in as AnySchema);
    else return s;
  }
}

/** The fields of the mapping at `path` in `schema`, where that is a mapping of declared fields. */
function fieldsAt(schema: AnySchema, path: readonly PropertyKey[]): string[] | undefined {
  let s = unwrap(schema);
  for (const p of path) {
    const d = defOf(s);
    let next: AnySchema | undefined;
    if (d.type === 'object') next = (d.shape as Record<string, AnySchema>)[String(p)];
    else if (d.type === 'record') next = d.valueType as AnySchema;
    else if (d.type === 'array') next = d.element as AnySchema;
    else if (d.type === 'tuple') next = (d.items as AnySchema[])[Number(p)];
    else if (d.type === 'union') next = (d.options as AnySchema[]).find((o) => ['object', 'record', 'array', 'tuple'].includes(defOf(unwrap(o)).type));
    if (!next) return undefined;
    s = unwrap(next);
  }
  const d = defOf(s);
  return d.type === 'object' ? Object.keys(d.shape as object) : undefined;
}

function boundMessage(i: z.core.$ZodIssueTooSmall | z.core.$ZodIssueTooBig, found: unknown): string {
  const small = i.code === 'too_small';
  const n = small ? (i as z.core.$ZodIssueTooSmall).minimum : (i as z.core.$ZodIssueTooBig).maximum;
  const strict = i.inclusive === false;
  if (i.origin === 'array' || i.origin === 'set') {
    const len = Array.isArray(found) ? `a list of ${found.length}` : describeValue(found);
    return `expected ${small ? 'at least' : 'at most'} ${n} item${Number(n) === 1 ? '' : 's'}, found ${len}`;
  }
  if (i.origin === 'string') {
    if (small && Number(n) === 1) return `expected a non-empty string, found ${describeValue(found)}`;
    return `expected ${small ? 'at least' : 'at most'} ${n} characters, found ${typeof found === 'string' ? found.length : describeValue(found)}`;
  }
  return `expected a number ${small ? (strict ? '>' : '≥') : strict ? '<' : '≤'} ${n}, found ${describeValue(found)}`;
}

/** What one issue says, at the path it names (prefixed by `base`). */
function issueMessages(i: z.core.$ZodIssue, data: unknown, base: PropertyKey[]): FieldIssue[] {
  const path = [...base, ...i.path];
  const found = valueAt(data, path);
  switch (i.code) {
    case 'invalid_type':
      return [{ path, message: `expected ${typeWords(i.expected)}, found ${describeValue(found)}` }];
    case 'invalid_value':
      return [{ path, message: `expected ${i.values.length === 1 ? '' : 'one of '}${i.values.map((v) => JSON.stringify(v)).join(', ')}, found ${describeValue(found)}` }];
    case 'too_small':
    case 'too_big':
      return [{ path, message: boundMessage(i, found) }];
    case 'invalid_union': {
      // a branch that failed below its top level matched the value's shape: its own issues say more
      const deep = i.errors.find((b) => b.length && b.some((x) => x.path.length || x.code !== 'invalid_type'));
      if (deep) return deep.flatMap((x) => issueMessages(x, data, path));
      const kinds = [...new Set(i.errors.flatMap((b) => b.map((x) => (x.code === 'invalid_type' ? x.expected : undefined)).filter((x) => x !== undefined)))];
      if (!kinds.length) break;
      // the unions of claim files put a string beside a number or a list: an expression
      const words = kinds.map((k) => (k === 'string' ? 'an expression string' : typeWords(k)));
      return [{ path, message: `expected ${words.join(' or ')}, found ${describeValue(found)}` }];
    }
    case 'invalid_key': {
      // a mapping's name at fault: located at the key, said of the key
      const name = String(path.at(-1));
      return i.issues.map((x) => ({ path, atKey: true, message: `${x.code === 'invalid_format' ? `expected ${x.message}` : x.message}, found the name ${JSON.stringify(name)}` }));
    }
    case 'invalid_element':
      return i.issues.flatMap((x) => issueMessages(x, data, path));
    case 'invalid_format':
      // the schema's patterns carry their own words ("an identifier: a letter, then …")
      if (!/^Invalid/.test(i.message)) return [{ path, message: `expected ${i.message}, found ${describeValue(found)}` }];
      break;
    case 'custom':
      return [{ path, message: i.message, ...((i.params as { atKey?: boolean } | undefined)?.atKey ? { atKey: true } : {}) }];
    case 'unrecognized_keys':
      return i.keys.map((k) => ({ path: [...path, k], atKey: true, message: `unknown field "${k}"` }));
  }
  return [{ path, message: found === undefined || /found/.test(i.message) ? i.message : `${i.message} (found ${describeValue(found)})` }];
}

/**
 * Zod's issues for `data` as messages a person can act on: expected and found for every type error
 * (a union by its branches: "expected a number or an expression string, found a list"), and for an
 * unknown field the nearest field of that mapping not given, when it is close; a required field it
 * misspells is then said once, at the misspelled key: `unknown field "etaa" — did you mean "eta"? (eta is required)`.
 */
export function fieldIssues(issues: readonly z.core.$ZodIssue[], data: unknown, schema: AnySchema): FieldIssue[] {
  const key = (p: readonly PropertyKey[]) => JSON.stringify(p.map(String));
  const out = issues.flatMap((i) => issueMessages(i, data, []));
  const missing = new Set(out.filter((m) => !m.atKey && m.path.length > 0 && valueAt(data, m.path) === undefined && /found nothing$/.test(m.message)).map((m) => key(m.path)));
  const absorbed = new Set<string>();
  for (const m of out) {
    if (!m.atKey || !/^unknown field "/.test(m.message)) continue;
    const at = m.path.slice(0, -1);
    const given = valueAt(data, at);
    const fields = (fieldsAt(schema, at) ?? []).filter((f) => !(given && typeof given === 'object' && Object.hasOwn(given, f)));
    const near = nearestName(String(m.path.at(-1)), fields);
    if (!near) continue;
    const required = missing.has(key([...at, near])) && !absorbed.has(key([...at, near]));
    if (required) absorbed.add(key([...at, near]));
    m.message += ` — did you mean "${near}"?${required ? ` (${near} is required)` : ''}`;
    m.near = near;
  }
  return out.filter((m) => m.atKey || !absorbed.has(key(m.path)));
}
