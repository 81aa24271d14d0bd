// Per-example losses ℓ(p, y) of a prediction p and a target y, with dℓ/dp.
// Margin losses (logistic, exponential) are written in q = y·p and computed stably for large |q|.
import { ddAdd, ddDiv, ddExp, ddFromNumber, ddLog1p, ddMul, ddNegate, ddSub, type DD } from './dd.js';
import type { DDLoss } from './dd-model.js';

export interface Loss {
  name: string;
  /** the double-double twin (dd-model.ts), where one exists */
  dd?: DDLoss;
  value(p: number, y: number): number;
  /** dℓ/dp */
  derivative(p: number, y: number): number;
}

export const squareLoss: Loss = {
  name: 'square',
  value: (p, y) => 0.5 * (p - y) * (p - y),
  derivative: (p, y) => p - y,
  dd: {
    value: (p, y) => {
      const r = ddSub(p, ddFromNumber(y));
      const r2 = ddMul(r, r);
      return { hi: r2.hi / 2, lo: r2.lo / 2 };
    },
    derivative: (p, y) => ddSub(p, ddFromNumber(y)),
  },
};

/**
 * Σ_i ℓ(p_i, y_i) over i = 0 … n−1 in order, and c_i = w·ℓ′(p_i, y_i): objective.ts's loss pass, shared by the
 * generated kernels (the square loss written out as ½r·r and r = p − y, the margin losses with one exp per row, the others through `loss`).
 */
export function lossSumAndWeights(loss: Loss, pred: ArrayLike<number>, y: ArrayLike<number>, n: number, w: number, c: Float64Array): number {
  let s = 0;
  if (loss === squareLoss)
    for (let i = 0; i < n; i++) {
      const r = pred[i] - y[i];
      s += 0.5 * r * r;
      c[i] = w * r;
    }
  else if (loss === logisticLoss)
    // logisticOfMargin and logisticNegDerivative read the same e^{−|q|} (at q = ±0 both e^{±0} = 1): one exp per row
    for (let i = 0; i < n; i++) {
      const yi = y[i],
        q = yi * pred[i];
      if (q > 0) {
        const e = Math.exp(-q);
        s += Math.log1p(e);
        c[i] = w * (-yi * (e / (1 + e)));
      } else {
        const e = Math.exp(q);
        s += -q + Math.log1p(e);
        c[i] = w * (-yi * (q >= 0 ? e / (1 + e) : 1 / (1 + e)));
      }
    }
  else if (loss === exponentialLoss)
    for (let i = 0; i < n; i++) {
      const yi = y[i],
        e = Math.exp(-yi * pred[i]);
      s += e;
      c[i] = w * (-yi * e);
    }
  else
    for (let i = 0; i < n; i++) {
      s += loss.value(pred[i], y[i]);
      c[i] = w * loss.derivative(pred[i], y[i]);
    }
  return s;
}

/** log(1 + e^{-q}) without overflow or loss of digits for large |q|. */
export function logisticOfMargin(q: number): number {
  return q > 0 ? Math.log1p(Math.exp(-q)) : -q + Math.log1p(Math.exp(q));
}

/** −ℓ′(q) = 1/(1+e^{q}), computed directly (never 1+e^{−q} rounded to 1). */
export function logisticNegDerivative(q: number): number {
  if (q >= 0) {
    const e = Math.exp(-q);
    return e / (1 + e);
  }
  return 1 / (1 + Math.exp(q));
}

/** The last argument of ddExpRepeated and its value: a double-double pass asks for ℓ(p, y), then ℓ′(p, y), whose forms read e^{∓q} of the same q. */
let lastExpHi = NaN,
  lastExpLo = NaN,
  lastExp: DD = { hi: NaN, lo: NaN };

/** ddExp(a), computed once for the same a twice in a row (a fresh object each time). */
function ddExpRepeated(a: DD): DD {
  // the same bits, ±0 told apart; a NaN is never the same
  const same = a.hi === lastExpHi && a.lo === lastExpLo && Object.is(a.hi, lastExpHi) && Object.is(a.lo, lastExpLo);
  if (!same) ((lastExp = ddExp(a)), (lastExpHi = a.hi), (lastExpLo = a.lo));
  return { hi: lastExp.hi, lo: lastExp.lo };
}

/** logisticOfMargin in double-double, by the same stable forms. */
export function ddLogisticOfMargin(q: DD): DD {
  return q.hi > 0 ? ddLog1p(ddExpRepeated(ddNegate(q))) : ddAdd(ddNegate(q), ddLog1p(ddExpRepeated(q)));
}

/** logisticNegDerivative in double-double, by the same stable forms. */
export function ddLogisticNegDerivative(q: DD): DD {
  const one = ddFromNumber(1);
  if (q.hi >= 0) {
    const e = ddExpRepeated(ddNegate(q));
    return ddDiv(e, ddAdd(one, e));
  }
  return ddDiv(one, ddAdd(one, ddExpRepeated(q)));
}

export const logisticLoss: Loss = {
  name: 'logistic',
  value: (p, y) => logisticOfMargin(y * p),
  derivative: (p, y) => -y * logisticNegDerivative(y * p),
  dd: {
    value: (p, y) => ddLogisticOfMargin(ddMul(p, ddFromNumber(y))),
    derivative: (p, y) => ddMul(ddFromNumber(-y), ddLogisticNegDerivative(ddMul(p, ddFromNumber(y)))),
  },
};

export const exponentialLoss: Loss = {
  name: 'exponential',
  value: (p, y) => Math.exp(-y * p),
  derivative: (p, y) => -y * Math.exp(-y * p),
  dd: {
    value: (p, y) => ddExpRepeated(ddMul(p, ddFromNumber(-y))),
    derivative: (p, y) => {
      const e = ddExpRepeated(ddMul(p, ddFromNumber(-y)));
      return Number.isFinite(e.hi) ? ddMul(ddFromNumber(-y), e) : ddFromNumber(-y * e.hi); // ddMul would make ∞ NaN
    },
  },
};

export const LOSSES: Record<string, Loss> = {
  square: squareLoss,
  logistic: logisticLoss,
  exponential: exponentialLoss,
};
