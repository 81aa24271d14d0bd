// The generated double-double dot products (src/numeric/two-layer-dd-kernel.ts) against ddDotFloat, and
// twoLayerNetDD's passes on them against its passes without them (CLAIMCHECK_KERNELS=js): equal bit for bit.
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { ddDotFloat, highHalves } from '../../src/numeric/dd.js';
import { ddNormalizedFlow } from '../../src/numeric/dd-dynamics.js';
import { ddVec, ddVecFrom } from '../../src/numeric/dd-model.js';
import { leakyRelu, smoothLeakyRelu, twoLayerNetDD } from '../../src/numeric/models.js';
import { Rng } from '../../src/numeric/rng.js';
import { ddDotKernel } from '../../src/numeric/two-layer-dd-kernel.js';
import { fcRuns } from '../checks.js';

const bits = (a: ArrayLike<number>) => Array.from(a, (x) => (Number.isNaN(x) ? 'NaN' : Object.is(x, -0) ? '-0' : x.toString()));
const simd = ddDotKernel(new Float64Array(1), new Float64Array(1), 1, 1, 1) !== undefined;

/** A random double-double vector (lo within half an ulp of hi), with exact zeros and a few huge entries (the scaled split). */
function ddRandom(rng: Rng, length: number, huge: boolean) {
  const hi = Float64Array.from({ length }, () => (rng.uniform() < 0.1 ? 0 : rng.normal() * (huge && rng.uniform() < 0.2 ? 2 ** 1000 : 1)));
  const lo = Float64Array.from(hi, (h) => h * 2 ** -54 * rng.normal());
  return { hi, lo };
}

/** Data with exact zeros (lower-triangular, as exact-Gram data) or dense. */
function data(rng: Rng, n: number, d: number, lower: boolean) {
  const X = Float64Array.from({ length: n * d }, () => rng.normal());
  if (lower) for (let i = 0; i < n; i++) for (let k = i + 1; k < d; k++) X[i * d + k] = 0;
  return X;
}

describe.skipIf(!simd)('generated double-double dot products', () => {
  it('equal ddDotFloat bit for bit: pre-activations (W rows · X rows) and the weight gradient (G rows · X columns) (property: odd and even shapes, zeros, huge entries)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 9 }),
        fc.integer({ min: 1, max: 9 }),
        fc.integer({ min: 1, max: 9 }),
        fc.boolean(),
        fc.boolean(),
        fc.integer({ min: 0, max: 1e6 }),
        (n, m, d, lower, huge, seed) => {
          const rng = new Rng(seed);
          const X = data(rng, n, d, lower),
            XS = highHalves(X);
          const K = ddDotKernel(X, XS, n, m, d)!;
          const W = ddRandom(rng, m * d, huge),
            WS = highHalves(W.hi);
          const zh = new Float64Array(n * m),
            zl = new Float64Array(n * m);
          K.preActivations(W.hi, W.lo, WS, zh, zl);
          const refH: number[] = [],
            refL: number[] = [];
          for (let i = 0; i < n; i++)
            for (let j = 0; j < m; j++) {
              const s = ddDotFloat(W.hi, W.lo, WS, j * d, X, XS, i * d, 1, d);
              refH.push(s.hi);
              refL.push(s.lo);
            }
          expect(bits(zh)).toEqual(bits(refH));
          expect(bits(zl)).toEqual(bits(refL));
          const G = ddRandom(rng, m * n, huge),
            GS = highHalves(G.hi);
          const rh = new Float64Array(m * d),
            rl = new Float64Array(m * d);
          K.weightGradient(G.hi, G.lo, GS, rh, rl);
          const gH: number[] = [],
            gL: number[] = [];
          for (let j = 0; j < m; j++)
            for (let k = 0; k < d; k++) {
              const s = ddDotFloat(G.hi, G.lo, GS, j * n, X, XS, k, d, n);
              gH.push(s.hi);
              gL.push(s.lo);
            }
          expect(bits(rh)).toEqual(bits(gH));
          expect(bits(rl)).toEqual(bits(gL));
        },
      ),
      fcRuns(150),
    );
  });

  describe('twoLayerNetDD on the kernel', () => {
    afterEach(() => {
      delete process.env.CLAIMCHECK_KERNELS;
    });
    it('gives the forward values and gradients of its passes without it, bit for bit (property: activation, bias, trained v)', () => {
      fc.assert(
        // at least 300 products n·m·d, where the model runs the kernel
        fc.property(
          fc.integer({ min: 5, max: 9 }),
          fc.integer({ min: 8, max: 13 }),
          fc.integer({ min: 8, max: 9 }),
          fc.boolean(),
          fc.boolean(),
          fc.boolean(),
          fc.integer({ min: 0, max: 1e6 }),
          (n, m, d, smooth, trainOutput, hiddenBias, seed) => {
            const rng = new Rng(seed);
            const X = { rows: n, cols: d, data: data(rng, n, d, seed % 2 === 0) };
            const P = m * d + m + (hiddenBias ? m : 0);
            const theta = ddVecFrom(Float64Array.from({ length: P }, () => rng.normal()));
            for (let i = 0; i < P; i++) theta.lo[i] = theta.hi[i] * 2 ** -55 * rng.normal();
            // z = 0 exactly (φ′(0)): a zero row of X and a zero neuron
            if (n > 2) X.data.fill(0, 2 * d, 3 * d);
            if (m > 1) (theta.hi.fill(0, d, 2 * d), theta.lo.fill(0, d, 2 * d));
            const c = ddVecFrom(Float64Array.from({ length: n }, (_, i) => (i === 1 ? 0 : rng.normal())));
            const o = { d, width: m, activation: smooth ? smoothLeakyRelu(0.3, 2) : leakyRelu(0.3, seed % 3 ? 0.5 : 1), trainOutput, hiddenBias };
            const run = () => {
              const net = twoLayerNetDD(o);
              const out = ddVec(n),
                grad = ddVec(P);
              net.forward(theta, X, out);
              net.backward(theta, X, c, grad);
              return [bits(out.hi), bits(out.lo), bits(grad.hi), bits(grad.lo)];
            };
            const fast = run();
            process.env.CLAIMCHECK_KERNELS = 'js';
            const plain = run();
            delete process.env.CLAIMCHECK_KERNELS;
            expect(fast).toEqual(plain);
          },
        ),
        fcRuns(80),
      );
    });
    it('a leaky ReLU net (z, φ(z), φ′(z), the outputs and G held in the kernel) gives its passes without it, bit for bit (property: huge and zero entries, −0, a backward pass at a new θ)', () => {
      fc.assert(
        fc.property(
          // at least 300 products n·m·d, where the model runs the kernel
          fc.integer({ min: 5, max: 9 }),
          fc.integer({ min: 8, max: 13 }),
          fc.integer({ min: 8, max: 11 }),
          fc.boolean(),
          fc.boolean(),
          fc.integer({ min: 0, max: 1e6 }),
          (n, m, d, trainOutput, huge, seed) => {
            const rng = new Rng(seed);
            const X = { rows: n, cols: d, data: data(rng, n, d, seed % 2 === 0) };
            const P = m * d + m;
            const theta = ddRandom(rng, P, huge);
            // a zero neuron (z = 0: φ′(0)) and negative zeros in W, v and c
            (theta.hi.fill(0, 0, d), theta.lo.fill(0, 0, d));
            theta.hi[d] = -0;
            theta.lo[d + 1] = -0;
            theta.hi[P - 1] = -0;
            const c = ddRandom(rng, n, huge);
            c.hi[0] = c.lo[0] = 0;
            c.hi[1] = -0;
            c.lo[1] = 0;
            // c = 0 with an infinite v_j: G = c (not ddMul(ddMul(c_i, v_j), φ′), NaN)
            if (seed % 4 === 0) (c.hi.fill(0), c.lo.fill(0), (theta.hi[m * d + 1] = Infinity));
            // an infinite w_jk on a zero column of X: z_ij = NaN in every row (∞·0), the zero terms not left out
            if (seed % 3 === 0) {
              for (let i = 0; i < n; i++) X.data[i * d + d - 1] = 0;
              theta.hi[2 * d + d - 1] = Infinity;
            }
            const next = ddRandom(rng, P, false);
            const o = { d, width: m, activation: leakyRelu(seed % 3 ? 0.1 : 0.3, seed % 2 ? 0.5 : 1), trainOutput, hiddenBias: false };
            const run = () => {
              const net = twoLayerNetDD(o);
              const out = ddVec(n),
                grad = ddVec(P),
                grad2 = ddVec(P);
              net.forward(theta, X, out);
              net.backward(theta, X, c, grad);
              net.backward(next, X, c, grad2);
              return [out.hi, out.lo, grad.hi, grad.lo, grad2.hi, grad2.lo].map(bits);
            };
            const fast = run();
            process.env.CLAIMCHECK_KERNELS = 'js';
            const plain = run();
            delete process.env.CLAIMCHECK_KERNELS;
            expect(fast).toEqual(plain);
          },
        ),
        fcRuns(120),
      );
    });
    it('the double-double normalized flow of a leaky net on exact-Gram-like data takes the steps of its run without the kernel, bit for bit (property: θ at every step, θ and the loss at the end)', () => {
      fc.assert(
        fc.property(
          fc.integer({ min: 7, max: 10 }),
          fc.integer({ min: 8, max: 13 }),
          fc.boolean(),
          fc.integer({ min: 0, max: 1e6 }),
          (n, m, trainOutput, seed) => {
            const rng = new Rng(seed);
            const d = n + (seed % 3);
            const X = { rows: n, cols: d, data: data(rng, n, d, true) };
            const y = Float64Array.from({ length: n }, (_, i) => (i % 2 ? 1 : -1));
            const theta0 = Float64Array.from({ length: m * d + m }, (_, i) => (i < m * d ? 1e-3 : 1 / Math.sqrt(m)) * rng.normal());
            const run = () => {
              const seen: string[][] = [];
              const net = twoLayerNetDD({ d, width: m, activation: leakyRelu(0.3, 0.5), trainOutput, hiddenBias: false });
              const r = ddNormalizedFlow(net, X, y, theta0, { steps: 40, eta: 0.2, observe: (t) => seen.push(bits(t)) });
              return [seen, bits(r.thetaDD.hi), bits(r.thetaDD.lo), r.loss];
            };
            const fast = run();
            process.env.CLAIMCHECK_KERNELS = 'js';
            const plain = run();
            delete process.env.CLAIMCHECK_KERNELS;
            expect(fast).toEqual(plain);
          },
        ),
        fcRuns(20),
      );
    });
  });
});
