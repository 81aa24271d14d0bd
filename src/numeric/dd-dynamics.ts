// The dynamics of dynamics.ts in double-double: gradient descent, gradient flow by Dormand–Prince 5(4)
// (adaptive, or along a given sequence of step sizes: the same discretization as a float64 run), and
// Richardson-extrapolated Euler. Observers see θ rounded to float64 and the double-double point.
import { ddAdd, ddAxpy, ddCompare, ddDiv, ddExp, ddFromNumber, ddMul, ddNegate, ddSqrt, ddSub, type DD } from './dd.js';
import type { Mat } from './linalg.js';
import {
  DD_UNIT,
  ddCopy,
  ddGet,
  ddRound,
  ddSet,
  ddVec,
  ddVecFrom,
  type DDMat,
  type DDModel,
  type DDObjective,
  type DDVec,
  type PrecisePoint,
} from './dd-model.js';
import { assertFinite, DivergedError, dopriNextStep, recorder, snapshotSchedule, type Observer, type SimResult } from './dynamics.js';

type PreciseObserver = Observer;

export interface DDProblem {
  objective: DDObjective;
  model: DDModel;
}

export interface DDSimResult extends SimResult {
  thetaDD: DDVec;
}

function pointAt(model: DDModel, theta: DDVec, loss: DD): PrecisePoint {
  let layers: Record<string, DDMat> | undefined;
  return { theta, loss, unit: DD_UNIT, layers: () => (layers ??= model.layers(theta)) };
}

const toNumber = (a: DD) => a.hi + a.lo;

export interface DDGradientDescentOptions {
  steps: number;
  eta: number;
  stopLoss?: number;
  snapshots?: boolean;
  observe?: PreciseObserver;
}

/** θ ← θ − η∇L(θ) in double-double (η as given, a float64 taken as exact). */
export function ddGradientDescent(p: DDProblem, theta0: Float64Array | DDVec, o: DDGradientDescentOptions): DDSimResult {
  const n = p.objective.nParams;
  const theta = lift(theta0);
  const grad = ddVec(n);
  const rounded = new Float64Array(n);
  const rec = recorder();
  const minusEta = ddFromNumber(-o.eta);
  let loss = p.objective.valueAndGrad(theta, grad);
  rec.record(0, 0, toNumber(loss), true);
  o.observe?.(ddRound(theta, rounded), pointAt(p.model, theta, loss));
  const schedule = o.snapshots ? snapshotSchedule(o.steps) : undefined;
  const snapshots: SimResult['snapshots'] = schedule ? [] : undefined;
  let k = 0;
  let stoppedBy: SimResult['stoppedBy'] = 'steps';
  for (; k < o.steps; k++) {
    if (o.stopLoss !== undefined && toNumber(loss) < o.stopLoss) {
      stoppedBy = 'loss';
      break;
    }
    ddAxpy(minusEta, grad.hi, grad.lo, theta.hi, theta.lo, n);
    loss = p.objective.valueAndGrad(theta, grad);
    ddRound(theta, rounded);
    assertFinite(rounded, toNumber(loss), `step ${k + 1}`);
    o.observe?.(rounded, pointAt(p.model, theta, loss));
    rec.record(k + 1, k + 1, toNumber(loss));
    if (schedule?.has(k + 1)) snapshots!.push({ step: k + 1, theta: Float64Array.from(rounded) });
  }
  rec.record(k, k, toNumber(loss), true);
  return {
    theta: ddRound(theta),
    thetaDD: theta,
    loss: toNumber(loss),
    steps: k,
    time: k * o.eta,
    errorEstimate: 0,
    trajectory: rec.points,
    stoppedBy,
    snapshots,
  };
}

function cloneVec(v: DDVec): DDVec {
  const c = ddVec(v.hi.length);
  ddCopy(v, c);
  return c;
}

/** θ(0) as a double-double vector (a copy): from float64 entries, or as given (e.g. perturbed below float64's resolution). */
const lift = (theta0: Float64Array | DDVec): DDVec => (theta0 instanceof Float64Array ? ddVecFrom(theta0) : cloneVec(theta0));

/** Gradient flow by Euler steps η and η/2 combined by Richardson extrapolation, as gradientFlowRichardson. */
export function ddGradientFlowRichardson(p: DDProblem, theta0: Float64Array | DDVec, o: { time: number; eta: number; observe?: PreciseObserver }): DDSimResult {
  const steps = Math.ceil(o.time / o.eta - 1e-9);
  const eta = o.time / steps;
  const coarse = ddGradientDescent(p, theta0, { steps, eta });
  const fine = ddGradientDescent(p, theta0, { steps: 2 * steps, eta: eta / 2, observe: o.observe });
  const n = p.objective.nParams;
  const theta = ddVec(n);
  let err = 0;
  for (let i = 0; i < n; i++) {
    const f = ddGet(fine.thetaDD, i),
      c = ddGet(coarse.thetaDD, i);
    ddSet(theta, i, ddSub(ddAdd(f, f), c));
    err = Math.max(err, Math.abs(toNumber(ddSub(f, c))));
  }
  const loss = toNumber(p.objective.value(theta));
  const rounded = ddRound(theta);
  assertFinite(rounded, loss, `t = ${o.time} (extrapolated)`);
  const trajectory = fine.trajectory.map((q) => ({ t: (q.t * eta) / 2, loss: q.loss }));
  return { theta: rounded, thetaDD: theta, loss, steps: 3 * steps, time: o.time, errorEstimate: err, trajectory, stoppedBy: 'time' };
}

export interface DDGradientFlowOptions {
  time: number;
  rtol: number;
  atol: number;
  maxSteps: number;
  stopLoss?: number;
  h0?: number;
  observe?: PreciseObserver;
  /** the accepted step sizes of a float64 run: take exactly these steps instead of choosing them (the same discretization) */
  steps?: ArrayLike<number>;
  /** receives every accepted step size, in order */
  acceptedSteps?: number[];
}

// Dormand–Prince 5(4) as exact rationals (Hairer, Nørsett & Wanner, Table 5.2), formed in double-double.
const q = (a: number, b: number): DD => ddDiv(ddFromNumber(a), ddFromNumber(b));
const A: DD[][] = [
  [],
  [q(1, 5)],
  [q(3, 40), q(9, 40)],
  [q(44, 45), q(-56, 15), q(32, 9)],
  [q(19372, 6561), q(-25360, 2187), q(64448, 6561), q(-212, 729)],
  [q(9017, 3168), q(-355, 33), q(46732, 5247), q(49, 176), q(-5103, 18656)],
  [q(35, 384), q(0, 1), q(500, 1113), q(125, 192), q(-2187, 6784), q(11, 84)],
];
const B5 = [q(35, 384), q(0, 1), q(500, 1113), q(125, 192), q(-2187, 6784), q(11, 84), q(0, 1)];
const B4 = [q(5179, 57600), q(0, 1), q(7571, 16695), q(393, 640), q(-92097, 339200), q(187, 2100), q(1, 40)];

/** dθ/dt = −∇L(θ) by Dormand–Prince 5(4) in double-double; the step control (or the given steps) as integrateDopri in dynamics.ts. */
export function ddGradientFlow(p: DDProblem, theta0: Float64Array | DDVec, o: DDGradientFlowOptions): DDSimResult {
  const n = p.objective.nParams;
  const F = (theta: DDVec, out: DDVec): DD => {
    const v = p.objective.valueAndGrad(theta, out);
    for (let i = 0; i < n; i++) ((out.hi[i] = -out.hi[i]), (out.lo[i] = -out.lo[i]));
    return v;
  };
  let y = lift(theta0);
  let y5 = ddVec(n);
  const k = Array.from({ length: 7 }, () => ddVec(n));
  const tmp = ddVec(n);
  const rounded = new Float64Array(n);
  let t = 0;
  let loss = F(y, k[0]);
  assertFinite(ddRound(y, rounded), toNumber(loss), 't = 0');
  o.observe?.(rounded, pointAt(p.model, y, loss));
  const fixed = o.steps;
  let h = fixed ? (fixed[0] ?? 0) : (o.h0 ?? Math.min(o.time, 1e-3));
  let steps = 0;
  let errSum = 0;
  let lossAtEnd = loss;
  const rec = recorder();
  rec.record(0, 0, toNumber(loss), true);
  let stoppedBy: SimResult['stoppedBy'] = 'time';
  while (fixed ? steps < fixed.length : t < o.time) {
    if (o.stopLoss !== undefined && toNumber(loss) < o.stopLoss) {
      stoppedBy = 'loss';
      break;
    }
    if (steps >= o.maxSteps) {
      stoppedBy = 'max-steps';
      break;
    }
    if (fixed) h = fixed[steps];
    else if (t + h > o.time) h = o.time - t;
    const hd = ddFromNumber(h);
    for (let s = 1; s < 7; s++) {
      for (let i = 0; i < n; i++) {
        let acc = ddFromNumber(0);
        for (let r = 0; r < s; r++) if (A[s][r].hi !== 0) acc = ddAdd(acc, ddMul(A[s][r], ddGet(k[r], i)));
        ddSet(tmp, i, ddAdd(ddGet(y, i), ddMul(hd, acc)));
      }
      const l = F(tmp, k[s]);
      if (s === 6) lossAtEnd = l;
    }
    let err = 0;
    let absErr = 0;
    for (let i = 0; i < n; i++) {
      let a5 = ddFromNumber(0),
        a4 = ddFromNumber(0);
      for (let s = 0; s < 7; s++) {
        const ks = ddGet(k[s], i);
        if (B5[s].hi !== 0) a5 = ddAdd(a5, ddMul(B5[s], ks));
        a4 = ddAdd(a4, ddMul(B4[s], ks));
      }
      const yi = ddGet(y, i);
      const next = ddAdd(yi, ddMul(hd, a5));
      ddSet(y5, i, next);
      const e = Math.abs(h * toNumber(ddSub(a5, a4)));
      absErr = Math.max(absErr, e);
      const sc = o.atol + o.rtol * Math.max(Math.abs(toNumber(yi)), Math.abs(toNumber(next)));
      err = Math.max(err, e / sc);
    }
    if (!Number.isFinite(err)) throw new DivergedError(`t = ${t}`);
    if (fixed || err <= 1) {
      o.acceptedSteps?.push(h);
      t += h;
      steps++;
      errSum += absErr;
      const swap = y;
      y = y5;
      y5 = swap;
      ddCopy(k[6], k[0]);
      loss = lossAtEnd;
      assertFinite(ddRound(y, rounded), toNumber(loss), `t = ${t}`);
      o.observe?.(rounded, pointAt(p.model, y, loss), absErr);
      rec.record(steps, t, toNumber(loss));
    }
    if (!fixed) h = dopriNextStep(h, err, t);
  }
  rec.record(steps, t, toNumber(loss), true);
  return { theta: ddRound(y), thetaDD: y, loss: toNumber(loss), steps, time: t, errorEstimate: errSum, trajectory: rec.points, stoppedBy };
}

export interface DDNormalizedFlowOptions {
  steps: number;
  eta: number;
  /** observers' loss is the objective's: Σ e^{−q_i}, divided by n for a mean reduction */
  mean?: boolean;
  unitStep?: boolean;
  snapshots?: boolean;
  observe?: Observer;
}

/** normalizedFlow (dynamics.ts) in double-double: θ ← θ + η Σ_i π_i ∇q_i, π = softmax(−q), the loss Σ_i e^{−q_i}. */
export function ddNormalizedFlow(model: DDModel, X: Mat, y: Float64Array, theta0: Float64Array | DDVec, o: DDNormalizedFlowOptions): DDSimResult {
  const n = X.rows;
  const theta = lift(theta0);
  const grad = ddVec(model.nParams);
  const pred = ddVec(n);
  const c = ddVec(n);
  const rounded = new Float64Array(model.nParams);
  const rec = recorder();
  const q: DD[] = new Array(n);
  const expLoss = (): DD => {
    model.forward(theta, X, pred);
    for (let i = 0; i < Math.max(n, 1); i++) q[i] = ddMul(ddFromNumber(y[i]), ddGet(pred, i));
    let qmin = q[0];
    for (let i = 1; i < n; i++) if (ddCompare(q[i], qmin) < 0) qmin = q[i];
    let s = ddFromNumber(0);
    for (let i = 0; i < n; i++) {
      const e = ddExp(ddNegate(ddSub(q[i], qmin)));
      ddSet(c, i, e);
      s = ddAdd(s, e);
    }
    for (let i = 0; i < n; i++) ddSet(c, i, ddMul(ddDiv(ddGet(c, i), s), ddFromNumber(y[i])));
    return ddMul(ddExp(ddNegate(qmin)), s);
  };
  const point = (loss: DD): PrecisePoint => pointAt(model, theta, o.mean ? ddDiv(loss, ddFromNumber(n)) : loss);
  let loss = expLoss();
  rec.record(0, 0, toNumber(loss), true);
  o.observe?.(ddRound(theta, rounded), point(loss));
  const schedule = o.snapshots ? snapshotSchedule(o.steps) : undefined;
  const snapshots: SimResult['snapshots'] = schedule ? [] : undefined;
  let k = 0;
  for (; k < o.steps; k++) {
    model.backward(theta, X, c, grad);
    let h = ddFromNumber(o.eta);
    if (o.unitStep) {
      let g2 = ddFromNumber(0);
      for (let i = 0; i < grad.hi.length; i++) g2 = ddAdd(g2, ddMul(ddGet(grad, i), ddGet(grad, i)));
      if (g2.hi === 0) break;
      h = ddDiv(h, ddSqrt(g2));
    }
    ddAxpy(h, grad.hi, grad.lo, theta.hi, theta.lo);
    loss = expLoss();
    if (Number.isNaN(toNumber(loss))) throw new DivergedError(`step ${k + 1}`);
    ddRound(theta, rounded);
    for (let i = 0; i < rounded.length; i++) if (!Number.isFinite(rounded[i])) throw new DivergedError(`step ${k + 1}`);
    o.observe?.(rounded, point(loss));
    rec.record(k + 1, k + 1, toNumber(loss));
    if (schedule?.has(k + 1)) snapshots!.push({ step: k + 1, theta: Float64Array.from(rounded) });
  }
  rec.record(k, k, toNumber(loss), true);
  return {
    snapshots,
    theta: ddRound(theta),
    thetaDD: theta,
    loss: toNumber(loss),
    steps: k,
    time: k * o.eta,
    errorEstimate: 0,
    trajectory: rec.points,
    stoppedBy: 'steps',
  };
}
