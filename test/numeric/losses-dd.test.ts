import fc from 'fast-check';
import type { BigNumber } from 'mathjs';
import { describe, expect, it } from 'vitest';
import { ddAdd, ddDiv, ddExp, ddFromNumber, ddLog1p, ddMul, ddNegate, ddToNumber, quickTwoSum, type DD } from '../../src/numeric/dd.js';
import { exponentialLoss, logisticLoss, squareLoss, type Loss } from '../../src/numeric/losses.js';
import { fcRuns } from '../checks.js';
import { big, ddBig, TWO } from './big.js';

/** log(1 + a) in 64 digits also for a far below 10^-64 (where 1 + a rounds to 1). */
const log1pBig = (a: BigNumber): BigNumber => (a.abs().lt(1e-20) ? a.minus(a.pow(2).div(2)).plus(a.pow(3).div(3)) : (big.log(a.plus(1)) as BigNumber));

/** The losses' formulas in 64-digit BigNumber, in the margin q = y·p; log(1 + e^{−q}) as −q + log(1 + e^{q}) for q ≤ 0 only so that 64 digits suffice. */
const REFERENCE: Record<string, { value(q: BigNumber): BigNumber; negDerivative(q: BigNumber): BigNumber }> = {
  logistic: {
    value: (q) => (q.gt(0) ? log1pBig(q.neg().exp()) : q.neg().plus(log1pBig(q.exp()))),
    negDerivative: (q) => big.bignumber(1).div(q.exp().plus(1)),
  },
  exponential: { value: (q) => q.neg().exp(), negDerivative: (q) => q.neg().exp() },
};

const arbY = fc.constantFrom(-1, 1);
/** p = hi + lo with hi uniform in [−max, max] and a random lo below ulp(hi)/2 */
const arbP = (max: number) =>
  fc.tuple(fc.double({ min: -max, max, noNaN: true }), fc.double({ min: -0.5, max: 0.5, noNaN: true })).map(([hi, f]) => quickTwoSum(hi, hi * f * 2 ** -53));
/** predictions for each loss: moderate and large margins (exp overflows past 709.78) */
const P_RANGES: [Loss, number[]][] = [
  [logisticLoss, [3, 40, 800, 1e5]],
  [exponentialLoss, [3, 40, 700]],
];

describe('double-double twins of the margin losses', () => {
  it('agree with the float64 loss (value and dℓ/dp) to 1e-15 relative, large margins included', () => {
    for (const [loss, ranges] of P_RANGES)
      for (const max of ranges)
        fc.assert(
          fc.property(fc.double({ min: -max, max, noNaN: true }), arbY, (p, y) => {
            const dd = loss.dd!;
            for (const [twin, f] of [
              [dd.value, loss.value],
              [dd.derivative, loss.derivative],
            ] as const) {
              const [got, want] = [ddToNumber(twin(ddFromNumber(p), y)), f(p, y)];
              if (Math.abs(want) < 2 ** -1022) expect(Math.abs(got), `${loss.name}(${p}, ${y})`).toBeLessThan(2 ** -1021);
              else expect(Math.abs(got - want), `${loss.name}(${p}, ${y}): ${got} vs ${want}`).toBeLessThanOrEqual(1e-15 * Math.abs(want));
            }
          }),
          fcRuns(150),
        );
  });

  it('agree with the formula in 64-digit BigNumber to 1e-28 relative (plus 2^-1074 where the result is below 2^-916)', () => {
    for (const [loss, ranges] of P_RANGES)
      for (const max of ranges)
        fc.assert(
          fc.property(arbP(max), arbY, (p, y) => {
            const q = ddBig(p).times(y);
            const ref = REFERENCE[loss.name];
            const dd = loss.dd!;
            for (const [got, exact] of [
              [dd.value(p, y), ref.value(q)],
              [dd.derivative(p, y), ref.negDerivative(q).times(-y)],
            ] as const) {
              const err = big.abs(ddBig(got).minus(exact));
              expect(
                err.lte(big.abs(exact).times(1e-28).plus(TWO.pow(-1074))),
                `${loss.name}(${p.hi}, ${y}): error ${err.toString()} at ${exact.toString()}`,
              ).toBe(true);
            }
          }),
          fcRuns(100),
        );
  });

  it('at p = 0, at huge margins and past overflow they give what the float64 losses give', () => {
    const cases: [Loss, number, number][] = [
      [logisticLoss, 0, 1],
      [logisticLoss, 1e6, 1],
      [logisticLoss, 1e6, -1],
      [logisticLoss, -1e300, 1],
      [exponentialLoss, 0, -1],
      [exponentialLoss, 710, -1],
      [exponentialLoss, 800, 1],
      [squareLoss, 3, -1],
    ];
    // + 0 maps −0 to 0: the sign of a zero derivative is not part of the function
    for (const [loss, p, y] of cases) {
      expect(ddToNumber(loss.dd!.value(ddFromNumber(p), y)) + 0, `${loss.name}(${p}, ${y})`).toBe(loss.value(p, y) + 0);
      expect(ddToNumber(loss.dd!.derivative(ddFromNumber(p), y)) + 0, `${loss.name}'(${p}, ${y})`).toBe(loss.derivative(p, y) + 0);
    }
  });

  it('give the forms with a fresh e^{∓q} at every call, bit for bit, in any order of calls (property: repeated q, equal hi with another lo, ±0, NaN)', () => {
    // the forms of losses.ts with ddExp called each time
    const logisticValue = (q: DD) => (q.hi > 0 ? ddLog1p(ddExp(ddNegate(q))) : ddAdd(ddNegate(q), ddLog1p(ddExp(q))));
    const logisticNeg = (q: DD) => {
      const one = ddFromNumber(1);
      if (q.hi >= 0) {
        const e = ddExp(ddNegate(q));
        return ddDiv(e, ddAdd(one, e));
      }
      return ddDiv(one, ddAdd(one, ddExp(q)));
    };
    const reference: Record<string, { value: (p: DD, y: number) => DD; derivative: (p: DD, y: number) => DD }> = {
      logistic: {
        value: (p, y) => logisticValue(ddMul(p, ddFromNumber(y))),
        derivative: (p, y) => ddMul(ddFromNumber(-y), logisticNeg(ddMul(p, ddFromNumber(y)))),
      },
      exponential: {
        value: (p, y) => ddExp(ddMul(p, ddFromNumber(-y))),
        derivative: (p, y) => {
          const e = ddExp(ddMul(p, ddFromNumber(-y)));
          return Number.isFinite(e.hi) ? ddMul(ddFromNumber(-y), e) : ddFromNumber(-y * e.hi);
        },
      },
    };
    const bitsOf = (d: DD) => [d.hi, d.lo].map((x) => (Number.isNaN(x) ? 'NaN' : Object.is(x, -0) ? '-0' : String(x)));
    const p = fc.oneof(
      fc.constantFrom<DD>(
        { hi: 0.5, lo: 0 },
        { hi: 0.5, lo: 2 ** -60 },
        { hi: 0.5, lo: -(2 ** -60) },
        { hi: 0, lo: 0 },
        { hi: -0, lo: 0 },
        { hi: NaN, lo: NaN },
      ),
      arbP(50),
    );
    const call = fc.tuple(
      fc.constantFrom(logisticLoss, exponentialLoss),
      fc.constantFrom<'value' | 'derivative'>('value', 'derivative'),
      p,
      fc.constantFrom(-1, 1),
    );
    fc.assert(
      fc.property(fc.array(call, { minLength: 1, maxLength: 12 }), (calls) => {
        for (const [loss, which, at, y] of calls) expect(bitsOf(loss.dd![which](at, y))).toEqual(bitsOf(reference[loss.name][which](at, y)));
      }),
      fcRuns(300),
    );
  });
});
