import { z } from 'zod';
import { evaluate, parseExpr } from '../core/expr.js';
import { hardMarginSvm, kktResidual, linearMargin, margins, topRightSingularVectors } from '../numeric/maxmargin.js';
import { activeSet, closestZeroLossPoint, linearRegimePoint } from '../numeric/neuron.js';
import { OutsideDomainError } from '../core/errors.js';
import { determinant, effectiveRankOf, stableRank, frobeniusNorm, gramCols, gramRows, schattenOf, subtract, singularValueRatioOf, singularValues, singularValuesFromGram, stableRankOf, type Mat } from '../numeric/linalg.js';
import { PATH_SYMBOLS, PATH_SYMBOLS_DOC, pathSymbols } from './path.js';
import { defineBlock, numExpr, type MetricProduct, type SimState } from './types.js';

const at = z.enum(['final', 'initial', 'step1', 'decade']).default('final');
type At = z.infer<typeof at>;

/** θ at the end, at the start, after the first step, or at step ⌈T/10⌉ (the last two need `snapshots: true` on the dynamics). */
export function thetaAt(s: SimState, when: At): Float64Array {
  if (when === 'final') return s.theta;
  if (when === 'initial') return s.theta0;
  const step = when === 'step1' ? 1 : Math.ceil((s.sim?.steps ?? 0) / 10);
  const snap = s.sim?.snapshots?.find((x) => x.step === step);
  if (!snap) throw new Error(`metric at "${when}" needs dynamics with snapshots: true`);
  return snap.theta;
}


/** Singular values of a layer, descending; through the model's layer Gram matrix when it holds the layer implicitly. */
function layerSingularValues(s: SimState, layer: string, when: At | Float64Array): number[] {
  const theta = when instanceof Float64Array ? when : thetaAt(s, when);
  const G = s.model.layerGram?.(theta, layer);
  if (G) return singularValuesFromGram(G);
  const m = s.model.layers(theta)[layer];
  if (!m) throw new Error(`model "${s.model.name}" has no layer "${layer}"; layers: ${Object.keys(s.model.layers(theta)).join(', ')}`);
  return singularValues(m);
}

const matrixMetric = (name: string, summary: string, f: (sv: number[]) => number) =>
  defineBlock({
    kind: 'metric',
    name,
    summary,
    params: z.strictObject({ layer: z.string(), at }),
    expressions: {},
    create: (p) => (s: SimState) => f(layerSingularValues(s, p.layer, p.at)),
  });

function twoLayerParts(s: SimState): { W: Mat; a: Float64Array; gamma: number } {
  if (s.model.layerGram) throw new Error('this metric needs the full first layer; it is not available in Gram coordinates');
  const L = s.model.layers(s.theta);
  if (!L.W || !L.v || s.model.meta?.gamma === undefined) throw new Error(`this metric needs the two-layer leaky-ReLU model, got "${s.model.name}"`);
  return { W: L.W, a: L.v.data, gamma: s.model.meta.gamma };
}

function needData(s: SimState) {
  if (!s.data) throw new Error('this metric needs data');
  return s.data;
}

const NEURON_SYMBOLS = ['wnorm', 'v', 'b'] as const;

function namedLayer(model: SimState['model'], theta: Float64Array, name: string): Mat {
  const m = model.layers(theta)[name];
  if (!m) throw new Error(`model "${model.name}" has no layer "${name}"; layers: ${Object.keys(model.layers(theta)).join(', ')}`);
  return m;
}



export const metricBlocks = [
  defineBlock({
    kind: 'metric',
    name: 'stable-rank',
    summary: 'stable rank ‖W‖_F² / ‖W‖₂² of a layer',
    params: z.strictObject({ layer: z.string(), at }),
    expressions: {},
    create: (p) => (s: SimState) => {
      const theta = thetaAt(s, p.at);
      const G = s.model.layerGram?.(theta, p.layer);
      return G ? stableRankOf(singularValuesFromGram(G)) : stableRank(namedLayer(s.model, theta, p.layer));
    },
  }),
  matrixMetric('spectral-norm', 'largest singular value of a layer', (sv) => sv[0] ?? 0),
  matrixMetric('frobenius-norm', 'Frobenius norm of a layer', (sv) => Math.sqrt(sv.reduce((t, x) => t + x * x, 0))),
  matrixMetric('nuclear-norm', 'sum of singular values of a layer', (sv) => sv.reduce((t, x) => t + x, 0)),
  matrixMetric('effective-rank', 'effective rank exp(H(σ/Σσ)) of a layer (Razin & Cohen’s rank surrogate; 1 for rank 1)', effectiveRankOf),
  defineBlock({
    kind: 'metric',
    name: 'schatten-norm',
    summary: 'Schatten-p (quasi-)norm (Σ σ_i^p)^{1/p} of a layer; p < 1 gives a quasi-norm',
    params: z.strictObject({ layer: z.string(), p: numExpr, at }),
    expressions: { p: 'trial' },
    create: (p, ctx) => {
      const q = ctx.num(p.p);
      return (s) => schattenOf(layerSingularValues(s, p.layer, p.at), q);
    },
  }),
  defineBlock({
    kind: 'metric',
    name: 'determinant',
    summary: 'determinant of a square layer (e.g. the product W of a deep-linear model)',
    params: z.strictObject({ layer: z.string(), at }),
    expressions: {},
    create: (p) => (s) => determinant(namedLayer(s.model, thetaAt(s, p.at), p.layer)),
  }),
  defineBlock({
    kind: 'metric',
    name: 'reconstruction-error',
    summary:
      'completion problems: ‖T − T*‖_F / ‖T*‖_F between the model’s full matrix or tensor (layer, as a row-major block) and the data’s ground truth; of "memorizer": the same for the baseline that keeps the observed entries and puts 0 elsewhere',
    params: z.strictObject({ layer: z.string().default('T'), of: z.enum(['model', 'memorizer']).default('model') }),
    expressions: {},
    create: (p) => (s) => {
      const d = needData(s);
      if (!d.truth) throw new Error('reconstruction-error needs completion data (a data block with a ground truth)');
      const truth = d.truth;
      let est: ArrayLike<number>;
      if (p.of === 'model') est = namedLayer(s.model, s.theta, p.layer).data;
      else {
        const m = new Float64Array(truth.length);
        for (let k = 0; k < d.X.rows; k++) for (let e = 0; e < truth.length; e++) if (d.X.data[k * d.X.cols + e] !== 0) m[e] = d.y[k];
        est = m;
      }
      if (est.length !== truth.length) throw new Error(`reconstruction-error: layer ${p.layer} has ${est.length} entries, the ground truth ${truth.length}`);
      let num = 0, den = 0;
      for (let e = 0; e < truth.length; e++) (num += (est[e] - truth[e]) ** 2), (den += truth[e] ** 2);
      return Math.sqrt(num / den);
    },
  }),
  defineBlock({
    kind: 'metric',
    name: 'count-above',
    summary: 'how many entries of a layer exceed `fraction` × its largest entry in absolute value (e.g. the CP components that matter: layer "components" of cp-factorization, a proxy for CP rank)',
    params: z.strictObject({ layer: z.string(), fraction: numExpr.default(1e-3), at }),
    expressions: { fraction: 'trial' },
    create: (p, ctx) => {
      const f = ctx.num(p.fraction);
      return (s) => {
        const v = Array.from(namedLayer(s.model, thetaAt(s, p.at), p.layer).data, Math.abs);
        const m = Math.max(...v, 0);
        return m === 0 ? 0 : v.filter((x) => x > f * m).length;
      };
    },
  }),
  defineBlock({
    kind: 'metric',
    name: 'layer-balance-drift',
    summary:
      'for a model with layers W1, W2, … (deep-linear, relu-net): max_j ‖D_j(T) − D_j(0)‖_F / max_j ‖W_j(T)‖_F², D_j = W_{j+1}ᵀW_{j+1} − W_jW_jᵀ (form "balanced": conserved by gradient flow for linear nets, Arora et al. 2018), only its diagonal (form "diagonal": ‖column i of W_{j+1}‖² − ‖row i of W_j‖² per hidden neuron, conserved for homogeneous activations such as ReLU, Du et al. 2018), or W_{j+1}W_{j+1}ᵀ − W_jᵀW_j (form "transposed": not conserved, for a refutation target)',
    params: z.strictObject({ form: z.enum(['balanced', 'diagonal', 'transposed']).default('balanced') }),
    expressions: {},
    create: (p) => (s) => {
      const list = (theta: Float64Array) => {
        const L = s.model.layers(theta);
        const out: Mat[] = [];
        for (let j = 1; L[`W${j}`]; j++) out.push(L[`W${j}`]);
        if (out.length < 2) throw new Error(`layer-balance-drift needs a model with layers W1, W2, …; "${s.model.name}" has ${Object.keys(L).join(', ')}`);
        return out;
      };
      const diagonal = (m: Mat): Mat => ({ rows: m.rows, cols: m.cols, data: m.data.map((x, e) => (Math.floor(e / m.cols) === e % m.cols ? x : 0)) });
      const gaps = (Ws: Mat[]) =>
        Ws.slice(1).map((next, j) =>
          p.form === 'transposed' ? subtract(gramRows(next), gramCols(Ws[j])) : p.form === 'diagonal' ? diagonal(subtract(gramCols(next), gramRows(Ws[j]))) : subtract(gramCols(next), gramRows(Ws[j])),
        );
      const a = gaps(list(s.theta0)), b = gaps(list(s.theta));
      const drift = Math.max(...a.map((g, j) => frobeniusNorm(subtract(b[j], g))));
      const scale = Math.max(...list(s.theta).map((w) => frobeniusNorm(w) ** 2), 1e-300);
      return drift / scale;
    },
  }),
  defineBlock({
    kind: 'metric',
    name: 'path-extreme',
    summary: `min or max, over every accepted step of the dynamics (the start included), of an expression \`of\` in the trial's variables and the path symbols of one layer: ${PATH_SYMBOLS_DOC}. Only steps where \`when\` holds count, and the watch stops for good at the first step where \`until\` holds (e.g. once det W is below float64 precision). output "count" gives the number of steps that counted. No step counted: \`default\` if given, else an error.`,
    params: z.strictObject({
      layer: z.string(),
      of: z.string().min(1),
      extreme: z.enum(['min', 'max']).default('min'),
      when: z.string().min(1).optional(),
      until: z.string().min(1).optional(),
      output: z.enum(['value', 'count']).default('value'),
      default: z.number().optional(),
    }),
    expressions: { of: { trialAnd: PATH_SYMBOLS }, when: { trialAnd: PATH_SYMBOLS }, until: { trialAnd: PATH_SYMBOLS } },
    watchesPath: true,
    create: (p, ctx) => {
      const trial = { ...ctx.scope };
      const of = parseExpr(p.of), when = p.when ? parseExpr(p.when) : undefined, until = p.until ? parseExpr(p.until) : undefined;
      let best = p.extreme === 'min' ? Infinity : -Infinity, count = 0, stopped = false, watched = false, step = -1;
      const f = ((_s: SimState) => {
        if (!watched) throw new Error('path-extreme needs dynamics (it watches every step)');
        if (p.output === 'count') return count;
        if (count === 0) {
          if (p.default === undefined) throw new Error(`path-extreme: no step of the path satisfied "${p.when}"`);
          return p.default;
        }
        return best;
      }) as MetricProduct;
      f.watch = ({ model, objective }) => (theta) => {
        watched = true;
        step++;
        if (stopped) return;
        const m = model.layers(theta)[p.layer];
        if (!m) throw new Error(`model "${model.name}" has no layer "${p.layer}"; layers: ${Object.keys(model.layers(theta)).join(', ')}`);
        const scope = { ...trial, ...pathSymbols(m, objective.value(theta), step) };
        if (until && evaluate(until, scope) !== 0) return void (stopped = true);
        if (when && evaluate(when, scope) === 0) return;
        const v = evaluate(of, scope);
        count++;
        best = p.extreme === 'min' ? Math.min(best, v) : Math.max(best, v);
      };
      return f;
    },
  }),
  defineBlock({
    kind: 'metric',
    name: 'singular-value-ratio',
    summary: 'σ_k / σ_1 of a layer (k ≥ 2)',
    params: z.strictObject({ layer: z.string(), k: numExpr, at }),
    expressions: { k: 'trial' },
    create: (p, ctx) => {
      const k = ctx.int(p.k);
      return (s) => singularValueRatioOf(layerSingularValues(s, p.layer, p.at), k);
    },
  }),
  defineBlock({
    kind: 'metric',
    name: 'layer-entry',
    summary: 'one entry (row, col; 0-based) of a layer, at the final or initial parameters (e.g. the third coordinate of a single neuron’s limit)',
    params: z.strictObject({ layer: z.string(), row: z.number().int().min(0).default(0), col: z.number().int().min(0), at }),
    expressions: {},
    create: (p) => (s) => {
      const L = s.model.layers(thetaAt(s, p.at))[p.layer];
      if (!L) throw new Error(`model "${s.model.name}" has no layer "${p.layer}"`);
      if (p.row >= L.rows || p.col >= L.cols) throw new Error(`layer ${p.layer} is ${L.rows}×${L.cols}; no entry (${p.row}, ${p.col})`);
      return L.data[p.row * L.cols + p.col];
    },
  }),
  defineBlock({
    kind: 'metric',
    name: 'closest-zero-loss',
    summary:
      'for a single neuron x ↦ σ(⟨w, x⟩) (leaky ReLU or ReLU, output weight fixed at 1): w* = the zero-loss point closest to w(0) (exact: equalities where σ is invertible, ⟨w, x_i⟩ ≤ 0 for zero labels under ReLU); output "distance" = ‖w(∞) − w*‖/‖w*‖ (Vardi & Shamir Thm 1) or "ratio" = ‖w(∞) − w(0)‖/‖w* − w(0)‖ (Thm 8)',
    params: z.strictObject({ output: z.enum(['distance', 'ratio']).default('distance') }),
    expressions: {},
    create: (p) => (s) => {
      const d = needData(s);
      const { W, a, gamma } = twoLayerParts(s);
      if (W.rows !== 1 || a[0] !== 1) throw new Error('closest-zero-loss needs one neuron with output weight 1');
      const w0 = s.theta0.subarray(0, W.cols);
      const star = closestZeroLossPoint(d.X, d.y, gamma, Float64Array.from(w0));
      if (!star) return NaN;
      const norm = (f: (k: number) => number) => Math.sqrt(Array.from({ length: W.cols }, (_, k) => f(k) ** 2).reduce((t, x) => t + x, 0));
      if (p.output === 'distance') return norm((k) => W.data[k] - star[k]) / Math.max(norm((k) => star[k]), 1e-300);
      const moved = norm((k) => W.data[k] - w0[k]), needed = norm((k) => star[k] - w0[k]);
      // w(0) already has zero loss: the flow must stay put (ratio 1), anything else is unbounded.
      if (needed === 0) return moved === 0 ? 1 : Infinity;
      return moved / needed;
    },
  }),
  defineBlock({
    kind: 'metric',
    name: 'active-set-changes',
    summary:
      'how many accepted steps of the dynamics changed the two-layer net’s activation pattern {(i, j) : ⟨w_j, x_i⟩ + b_j > 0} (w(0) included; a pre-activation exactly 0 counts as inactive). 0 means every unit kept its active examples along the whole path.',
    params: z.strictObject({}),
    expressions: {},
    watchesPath: true,
    create: () => {
      let changes = 0, observed = false;
      const f = ((_s: SimState) => {
        if (!observed) throw new Error('active-set-changes needs dynamics (it watches every step)');
        return changes;
      }) as MetricProduct;
      f.watch = ({ model, data }) => {
        let prev: Uint8Array | undefined;
        const n = data.X.rows;
        return (theta) => {
          const { W, b } = model.layers(theta);
          if (!W) throw new Error(`active-set-changes needs a model with a first layer W, got "${model.name}"`);
          const d = W.cols, m = W.rows;
          const cur = new Uint8Array(n * m);
          for (let i = 0; i < n; i++)
            for (let j = 0; j < m; j++) {
              let z = b ? b.data[j] : 0;
              for (let k = 0; k < d; k++) z += W.data[j * d + k] * data.X.data[i * d + k];
              cur[i * m + j] = z > 0 ? 1 : 0;
            }
          if (prev && cur.some((x, i) => x !== prev![i])) changes++;
          prev = cur;
          observed = true;
        };
      };
      return f;
    },
  }),
  defineBlock({
    kind: 'metric',
    name: 'linear-regime-distance',
    summary:
      'for one neuron x ↦ v·σ(⟨w, x⟩) with a fixed output weight v: ‖w(∞) − w_I‖ / ‖w_I‖, where w_I = w(0) + X_Iᵀ(X_I X_Iᵀ)⁻¹(y_I/(v s_I) − X_I w(0)) is the limit the flow would have if the examples active at w(0) (slopes s_I; leaky ReLU: all) stayed active (Vardi & Shamir note C5). Dependent rows of X_I: out of regime.',
    params: z.strictObject({}),
    expressions: {},
    create: () => (s) => {
      const d = needData(s);
      const { W, a, gamma } = twoLayerParts(s);
      if (W.rows !== 1 || s.model.meta?.trainOutput || s.model.layers(s.theta).b) throw new Error('linear-regime-distance needs one neuron with a fixed output weight and no bias');
      const w0 = Float64Array.from(s.theta0.subarray(0, W.cols));
      const wI = linearRegimePoint(d.X, d.y, activeSet(d.X, w0, gamma), a[0], w0);
      if (!wI) throw new OutsideDomainError('the rows active at w(0) are linearly dependent: the linear-regime point is not unique');
      let num = 0, den = 0;
      for (let k = 0; k < W.cols; k++) (num += (W.data[k] - wI[k]) ** 2), (den += wI[k] ** 2);
      return Math.sqrt(num) / Math.max(Math.sqrt(den), 1e-300);
    },
  }),
  defineBlock({
    kind: 'metric',
    name: 'gd-balancedness-step-error',
    summary:
      'max_j |(Δ_j(θ − η∇L) − Δ_j(θ)) − η²(‖g_wj‖² − g_vj²)| / max_j(‖w_j‖² + v_j²) at θ = the final (or initial) parameters, Δ_j = ‖w_j‖² − v_j²: the exact gradient-descent form of balancedness (Vardi & Shamir note, C8)',
    params: z.strictObject({ eta: numExpr, at }),
    expressions: { eta: 'trial' },
    create: (p, ctx) => {
      const eta = ctx.num(p.eta);
      return (s) => {
        if (!s.objective || !s.model.neurons) throw new Error('gd-balancedness-step-error needs a loss and a two-layer model');
        if (s.model.layers(s.theta).b) throw new Error('gd-balancedness-step-error is written for nets without a hidden bias');
        const theta = thetaAt(s, p.at);
        const g = new Float64Array(theta.length);
        s.objective.valueAndGrad(theta, g);
        const next = theta.map((t, i) => t - eta * g[i]);
        const a = s.model.neurons(theta), b = s.model.neurons(next);
        const { W } = s.model.layers(theta);
        const dd = W.cols, m = W.rows;
        let err = 0, scale = 0;
        for (let j = 0; j < m; j++) {
          let gw = 0;
          for (let k = 0; k < dd; k++) gw += g[j * dd + k] ** 2;
          const gv = g[m * dd + j];
          const lhs = b[j].wnorm ** 2 - b[j].v ** 2 - (a[j].wnorm ** 2 - a[j].v ** 2);
          err = Math.max(err, Math.abs(lhs - eta * eta * (gw - gv * gv)));
          scale = Math.max(scale, a[j].wnorm ** 2 + a[j].v ** 2);
        }
        return err / (scale || 1);
      };
    },
  }),
  defineBlock({
    kind: 'metric',
    name: 'loss',
    summary: 'the training objective L(θ) at the final or initial parameters',
    params: z.strictObject({ at }),
    expressions: {},
    create: (p) => (s) => {
      if (!s.objective) throw new Error('metric "loss" needs data, a loss and a model');
      return s.objective.value(thetaAt(s, p.at));
    },
  }),
  defineBlock({
    kind: 'metric',
    name: 'neuron-quantity-drift',
    summary:
      'max_j |Q_j(final) − Q_j(initial)| for a per-neuron quantity Q over wnorm = ‖w_j‖, v = v_j and b = b_j (0 without a hidden bias); with normalize, divided by max_j (‖w_j(0)‖² + b_j(0)² + v_j(0)²).',
    params: z.strictObject({ quantity: z.string(), normalize: z.boolean().default(true) }),
    expressions: { quantity: NEURON_SYMBOLS },
    create: (p) => {
      const q = parseExpr(p.quantity);
      return (s) => {
        if (!s.model.neurons) throw new Error(`model "${s.model.name}" has no per-neuron quantities`);
        const a = s.model.neurons(s.theta0), b = s.model.neurons(s.theta);
        let drift = 0, scale = 0;
        for (let j = 0; j < a.length; j++) {
          drift = Math.max(drift, Math.abs(evaluate(q, b[j]) - evaluate(q, a[j])));
          scale = Math.max(scale, a[j].wnorm ** 2 + (a[j].b ?? 0) ** 2 + a[j].v ** 2);
        }
        return p.normalize ? drift / (scale || 1) : drift;
      };
    },
  }),
  defineBlock({
    kind: 'metric',
    name: 'mean-spectral-ratio',
    summary: '(1/k) Σ_i ‖W_i‖_σ/‖W_i‖_F over the model’s layers W1 … Wk (the layer average of Timor, Vardi & Shamir’s Thms 4–5; 1 when every layer has rank 1)',
    params: z.strictObject({ at }),
    expressions: {},
    create: (p) => (s) => {
      const names = Object.keys(s.model.layers(thetaAt(s, p.at)));
      const ratios = names.map((n) => {
        const sv = layerSingularValues(s, n, p.at);
        const f = Math.sqrt(sv.reduce((t, x) => t + x * x, 0));
        return f > 0 ? sv[0] / f : NaN;
      });
      return ratios.reduce((t, r) => t + r, 0) / ratios.length;
    },
  }),
  defineBlock({
    kind: 'metric',
    name: 'max-stable-rank',
    summary: 'max over the dynamics’ snapshots after the first step (steps 1, ⌈T/10⌉, T and a geometric grid between) of a layer’s stable rank; needs snapshots: true',
    params: z.strictObject({ layer: z.string() }),
    expressions: {},
    create: (p) => (s) => {
      const snaps = s.sim?.snapshots;
      if (!snaps?.length) throw new Error('max-stable-rank needs dynamics with snapshots: true');
      return Math.max(...snaps.map((x) => stableRankOf(layerSingularValues(s, p.layer, x.theta))));
    },
  }),
  defineBlock({
    kind: 'metric',
    name: 'min-margin',
    summary: 'min_i y_i f(x_i); with normalize, divided by ‖W‖_F of the two-layer net’s trained first layer (the normalized margin of a 1-homogeneous net)',
    params: z.strictObject({ normalize: z.boolean().default(false), at }),
    expressions: {},
    create: (p) => (s) => {
      const d = needData(s);
      const theta = thetaAt(s, p.at);
      const q = Math.min(...margins(s.model, theta, d.X, d.y));
      return p.normalize ? q / frobeniusNorm(s.model.layers(theta).W) : q;
    },
  }),
  defineBlock({
    kind: 'metric',
    name: 'restart-norm-ratio',
    summary:
      'global optimality of the limit (Frei et al. T1.2): re-runs the dynamics from `restarts` other initializations (trained entries scaled by each of `scales` in turn) and returns min over interpolating restarts of ‖W̄_r‖_F / ‖W̄‖_F, W̄ = W / min_i q_i (a value < 1 is a feasible point of (P) with a smaller norm); output "spread" gives max/min − 1 over all runs instead',
    params: z.strictObject({ restarts: z.number().int().min(1).max(64).default(4), scales: z.array(z.number().positive()).min(1).default([1, 10, 0.1]), output: z.enum(['min-ratio', 'spread']).default('min-ratio') }),
    expressions: {},
    create: (p) => (s) => {
      const d = needData(s);
      if (!s.restart) throw new Error('restart-norm-ratio needs dynamics');
      const normAtMarginOne = (theta: Float64Array): number | undefined => {
        const q = Math.min(...margins(s.model, theta, d.X, d.y));
        return q > 0 ? frobeniusNorm(s.model.layers(theta).W) / q : undefined;
      };
      const own = normAtMarginOne(s.theta);
      if (own === undefined) return NaN;
      const norms = [own];
      for (let k = 0; k < p.restarts; k++) {
        const r = normAtMarginOne(s.restart(k, p.scales[k % p.scales.length]));
        if (r !== undefined) norms.push(r);
      }
      return p.output === 'spread' ? Math.max(...norms) / Math.min(...norms) - 1 : Math.min(...norms.slice(1), Infinity) / own;
    },
  }),
  defineBlock({
    kind: 'metric',
    name: 'kkt-residual',
    summary:
      'KKT check of the max-margin problem (P) for the two-layer leaky-ReLU net with fixed output weights, as an LP (HiGHS) that allows φ′ ∈ [γ, 1] on the kink (|cos| ≤ eps): output "residual" (relative ℓ₁ stationarity residual of W̄ = W/min q), "slackness" (max λ_i(q̄_i − 1)/max λ) or "kink-fraction"',
    params: z.strictObject({ output: z.enum(['residual', 'slackness', 'kink-fraction']).default('residual'), eps: z.number().positive().default(1e-3), at }),
    expressions: {},
    create: (p) => (s) => {
      const d = needData(s);
      const { a, gamma } = twoLayerParts(s);
      const W = s.model.layers(thetaAt(s, p.at)).W;
      const r = kktResidual(W, a, d.X, d.y, gamma, p.eps);
      return p.output === 'residual' ? r.residual : p.output === 'slackness' ? r.slackness : r.kinkFraction;
    },
  }),
  defineBlock({
    kind: 'metric',
    name: 'linear-boundary-disagreement',
    summary:
      'fraction of test points where sign f(x) ≠ sign⟨Wᵀa, x⟩: `circle` points on the unit circle of the top-2 right-singular plane of W plus `random` N(0, I) points (points with |⟨z,x⟩| < 1e-9‖z‖‖x‖ are skipped)',
    params: z.strictObject({ circle: z.number().int().min(0).default(720), random: z.number().int().min(0).default(500) }),
    expressions: {},
    create: (p, ctx) => {
      const rng = ctx.rng.fork('test-points');
      return (s) => {
        const { W, a } = twoLayerParts(s);
        const d = W.cols;
        const zdir = new Float64Array(d);
        for (let j = 0; j < W.rows; j++) for (let k = 0; k < d; k++) zdir[k] += a[j] * W.data[j * d + k];
        const pts: number[][] = [];
        const [v1, v2] = topRightSingularVectors(W, 2);
        for (let t = 0; t < p.circle && v1 && v2; t++) {
          const th = (2 * Math.PI * t) / p.circle;
          pts.push(v1.map((x, k) => Math.cos(th) * x + Math.sin(th) * v2[k]));
        }
        for (let t = 0; t < p.random; t++) pts.push(Array.from({ length: d }, () => rng.normal()));
        const X = { rows: pts.length, cols: d, data: Float64Array.from(pts.flat()) };
        const f = new Float64Array(pts.length);
        s.model.forward(s.theta, X, f);
        const zn = Math.sqrt(zdir.reduce((t, x) => t + x * x, 0));
        let counted = 0, bad = 0;
        pts.forEach((x, i) => {
          const zx = x.reduce((t, xi, k) => t + xi * zdir[k], 0);
          const xn = Math.sqrt(x.reduce((t, xi) => t + xi * xi, 0));
          if (Math.abs(zx) < 1e-9 * zn * xn) return;
          counted++;
          if (Math.sign(zx) !== Math.sign(f[i])) bad++;
        });
        return counted ? bad / counted : 0;
      };
    },
  }),
  defineBlock({
    kind: 'metric',
    name: 'margin-ratio',
    summary: 'margin of z = Wᵀa (the linear boundary’s normal) divided by the hard-margin linear SVM’s margin (dual by exact coordinate descent)',
    params: z.strictObject({ at }),
    expressions: {},
    create: (p) => (s) => {
      const d = needData(s);
      const { a } = twoLayerParts(s);
      const W = s.model.layers(thetaAt(s, p.at)).W;
      const z = new Float64Array(W.cols);
      for (let j = 0; j < W.rows; j++) for (let k = 0; k < W.cols; k++) z[k] += a[j] * W.data[j * W.cols + k];
      return linearMargin(z, d.X, d.y) / hardMarginSvm(d.X, d.y).margin;
    },
  }),
  defineBlock({
    kind: 'metric',
    name: 'integrator-error',
    summary: 'the gradient-flow integrator’s accumulated local error estimate (max-norm; 0 for gradient descent)',
    params: z.strictObject({}),
    expressions: {},
    create: () => (s) => s.sim?.errorEstimate ?? 0,
  }),
  defineBlock({
    kind: 'metric',
    name: 'steps',
    summary: 'number of steps the dynamics took',
    params: z.strictObject({}),
    expressions: {},
    create: () => (s) => s.sim?.steps ?? 0,
  }),
  defineBlock({
    kind: 'metric',
    name: 'train-accuracy',
    summary: 'fraction of training points with sign f(x_i) = sign y_i',
    params: z.strictObject({}),
    expressions: {},
    create: () => (s) => {
      if (!s.data) throw new Error('metric "train-accuracy" needs data');
      const pred = new Float64Array(s.data.X.rows);
      s.model.forward(s.theta, s.data.X, pred);
      let ok = 0;
      for (let i = 0; i < pred.length; i++) if (Math.sign(pred[i]) === Math.sign(s.data.y[i])) ok++;
      return ok / pred.length;
    },
  }),
];
