// The bit-for-bit comparison of a generated objective kernel with objective.ts's generic passes, shared by
// deeplinear-objective.test.ts and two-layer-objective.test.ts.
import { expect } from 'vitest';
import { gradientFlow, type GradientFlowOptions } from '../../src/numeric/dynamics.js';
import type { Mat } from '../../src/numeric/linalg.js';
import type { Loss } from '../../src/numeric/losses.js';
import type { Model } from '../../src/numeric/models.js';
import { objective } from '../../src/numeric/objective.js';

/** Same bits: every number by Object.is (0 and −0 differ, NaN equals NaN). */
export const sameBits = (a: ArrayLike<number>, b: ArrayLike<number>) => a.length === b.length && Array.from(a).every((x, i) => Object.is(x, b[i]));

/** L, ∇L (valueAndGrad), −∇L (negativeGradient) and value() of `model` (with a kernel) equal those of `generic` (the same net without one), bit for bit. */
export function expectKernelMatchesGeneric(model: Model, generic: Model, loss: Loss, X: Mat, y: Float64Array, reduction: 'sum' | 'mean', theta: Float64Array) {
  const fused = objective(model, loss, X, y, reduction),
    plain = objective(generic, loss, X, y, reduction);
  expect(fused.negativeGradient).toBeDefined();
  expect(plain.negativeGradient).toBeUndefined();
  const g1 = new Float64Array(model.nParams).fill(7),
    g2 = new Float64Array(model.nParams).fill(7),
    g3 = new Float64Array(model.nParams).fill(7);
  const l1 = fused.valueAndGrad(theta, g1),
    l2 = plain.valueAndGrad(theta, g2),
    l3 = fused.negativeGradient!(theta, g3);
  expect(Object.is(l1, l2) && Object.is(l3, l2)).toBe(true);
  expect(sameBits(g1, g2)).toBe(true);
  expect(
    sameBits(
      g3,
      g2.map((v) => -v),
    ),
  ).toBe(true);
  expect(Object.is(fused.value(theta), plain.value(theta))).toBe(true);
}

/** Gradient flow of `model` and of `generic` from θ0: the same θ, loss, steps, trajectory and every accepted step size; returns the number of accepted steps. */
export function expectSameGradientFlow(
  model: Model,
  generic: Model,
  loss: Loss,
  X: Mat,
  y: Float64Array,
  reduction: 'sum' | 'mean',
  theta0: Float64Array,
  o: Omit<GradientFlowOptions, 'acceptedSteps'>,
): number {
  const run = (m: Model) => {
    const acceptedSteps: number[] = [];
    const r = gradientFlow(objective(m, loss, X, y, reduction), theta0, { ...o, acceptedSteps });
    return { ...r, acceptedSteps };
  };
  const a = run(model),
    b = run(generic);
  expect(sameBits(a.theta, b.theta)).toBe(true);
  expect(sameBits(a.acceptedSteps, b.acceptedSteps)).toBe(true);
  expect({ ...a, theta: [] }).toEqual({ ...b, theta: [] });
  return a.acceptedSteps.length;
}
