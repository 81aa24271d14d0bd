import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { exactGram, isotropicGaussian } from '../../src/numeric/data.js';
import { gradientDescent } from '../../src/numeric/dynamics.js';
import { gramCoordinates, inGramCoordinates } from '../../src/numeric/gram.js';
import { gramRows, matmul, singularValues, singularValuesFromGram, transpose } from '../../src/numeric/linalg.js';
import { logisticLoss } from '../../src/numeric/losses.js';
import { leakyRelu, twoLayerNet } from '../../src/numeric/models.js';
import { objective } from '../../src/numeric/objective.js';
import { Rng } from '../../src/numeric/rng.js';
import { fcRuns } from '../checks.js';

/** gramCoordinates as plain loops over all d columns (the implementation before the loops were fused and cut at the zero columns). */
function plainGramCoordinates(X: { rows: number; cols: number; data: Float64Array }) {
  const n = X.rows,
    d = X.cols;
  const rows: Float64Array[] = [];
  for (let i = 0; i < n; i++) {
    const v = Float64Array.from(X.data.subarray(i * d, (i + 1) * d));
    const norm0 = Math.sqrt(v.reduce((s, x) => s + x * x, 0));
    for (let pass = 0; pass < 2; pass++)
      for (const q of rows) {
        let p = 0;
        for (let k = 0; k < d; k++) p += q[k] * v[k];
        for (let k = 0; k < d; k++) v[k] -= p * q[k];
      }
    const norm = Math.sqrt(v.reduce((s, x) => s + x * x, 0));
    if (norm > 1e-12 * Math.max(norm0, 1e-300)) rows.push(v.map((x) => x / norm));
  }
  const r = rows.length;
  const Xt = new Float64Array(n * r);
  for (let i = 0; i < n; i++)
    for (let a = 0; a < r; a++) {
      let s = 0;
      for (let k = 0; k < d; k++) s += X.data[i * d + k] * rows[a][k];
      Xt[i * r + a] = s;
    }
  return { Q: rows, Xt };
}

const bits = (a: ArrayLike<number>) => Array.from(a, (x) => (Object.is(x, -0) ? '-0' : String(x)));

describe('Gram-coordinate simulation', () => {
  it('follows the full d-dimensional trajectory to rounding (same W Wᵀ after 200 GD steps)', () => {
    const n = 6,
      d = 40,
      m = 5,
      gamma = 0.3,
      omega = 0.01;
    const rng = new Rng(5);
    const data = isotropicGaussian(rng.fork('data'), n, d, 1, 'sign');
    const full = twoLayerNet({ d, width: m, activation: leakyRelu(gamma), trainOutput: false, wScale: omega, vScale: 1 / Math.sqrt(m), vInit: 'sign' });
    const theta0 = full.init(rng.fork('init'));
    const { Q, Xt } = gramCoordinates(data.X);
    expect(Q.rows).toBe(n);
    // the same initialization, written in coordinates: W_s = W(0) Qᵀ, frozen part W(0)(I − QᵀQ)
    const W0 = { rows: m, cols: d, data: theta0.subarray(0, m * d) };
    const Ws0 = matmul(W0, transpose(Q));
    const small = twoLayerNet({ d: n, width: m, activation: leakyRelu(gamma), trainOutput: false, wScale: omega, vScale: 1 / Math.sqrt(m), vInit: 'sign' });
    const thetaS0 = new Float64Array(m * n + m);
    thetaS0.set(Ws0.data);
    thetaS0.set(theta0.subarray(m * d), m * n);
    const eta = (0.5 * n) / data.stats.Rmax ** 2;
    const a = gradientDescent(objective(full, logisticLoss, data.X, data.y, 'mean'), theta0, { steps: 200, eta });
    const b = gradientDescent(objective(small, logisticLoss, Xt, data.y, 'mean'), thetaS0, { steps: 200, eta });
    expect(Math.abs(a.loss - b.loss)).toBeLessThan(1e-13);
    const Wt = { rows: m, cols: d, data: a.theta.subarray(0, m * d) };
    const perp = { rows: m, cols: d, data: Float64Array.from(W0.data) };
    const proj = matmul(matmul(W0, transpose(Q)), Q);
    for (let i = 0; i < perp.data.length; i++) perp.data[i] -= proj.data[i];
    const Gfull = gramRows(Wt);
    const Gs = gramRows({ rows: m, cols: n, data: b.theta.subarray(0, m * n) });
    const Gp = gramRows(perp);
    for (let i = 0; i < m * m; i++) expect(Math.abs(Gfull.data[i] - Gs.data[i] - Gp.data[i])).toBeLessThan(1e-13 * (1 + Math.abs(Gfull.data[i])));
    const sv = singularValues(Wt);
    const svG = singularValuesFromGram({ rows: m, cols: m, data: Gs.data.map((x, i) => x + Gp.data[i]) });
    sv.forEach((s, i) => expect(svG[i]).toBeCloseTo(s, 10));
  });

  it('samples the frozen part with the right scale: E tr(W_⊥W_⊥ᵀ) = m(d − r)ω²', () => {
    const n = 4,
      d = 3000,
      m = 20,
      omega = 0.1;
    const data = isotropicGaussian(new Rng(1), n, d, 1, 'sign');
    const model = inGramCoordinates(
      (r) => twoLayerNet({ d: r, width: m, activation: leakyRelu(0.3), trainOutput: false, wScale: 0, vScale: 1, vInit: 'sign' }),
      data.X,
      m,
      omega,
    );
    const theta = model.init(new Rng(2));
    const G = model.layerGram!(theta, 'W')!;
    let tr = 0;
    for (let i = 0; i < m; i++) tr += G.data[i * m + i];
    const expected = m * (d - n) * omega ** 2;
    expect(Math.abs(tr / expected - 1)).toBeLessThan(6 * Math.sqrt(2 / (m * (d - n))));
    // the Gaussian-init stable rank md/(√m+√d)² is recovered from the Gram matrix alone
    const sv = singularValuesFromGram(G);
    const srank = sv.reduce((t, x) => t + x * x, 0) / sv[0] ** 2;
    const k = d - n;
    expect(Math.abs(srank / ((m * k) / (Math.sqrt(m) + Math.sqrt(k)) ** 2) - 1)).toBeLessThan(0.15);
  });

  it('gramCoordinates equals the plain loops bit for bit (property: dense, exact-Gram padded with zero columns, repeated and zero rows, −0 and non-finite entries)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: 1, max: 60 }),
        fc.constantFrom('dense', 'padded', 'repeated', 'negative-zero', 'non-finite'),
        fc.integer({ min: 0, max: 1e6 }),
        (n, extra, kind, seed) => {
          const rng = new Rng(seed);
          const d = n + extra;
          const X =
            kind === 'dense' ? isotropicGaussian(rng, n, d, 1, 'sign').X : exactGram(rng, { n, d, kappa: 10, pattern: 'random', Rratio: 2, nPositive: 1 }).X;
          if (kind === 'repeated' && n > 2) (X.data.copyWithin(d, 0, d), X.data.fill(0, 2 * d, 3 * d));
          if (kind === 'negative-zero') X.data[(n - 1) * d + d - 1 - (seed % extra)] = -0;
          if (kind === 'non-finite') X.data[seed % (n * d)] = seed % 2 ? NaN : Infinity;
          const got = gramCoordinates(X),
            ref = plainGramCoordinates(X);
          expect(got.Q.rows).toBe(ref.Q.length);
          expect(bits(got.Q.data)).toEqual(bits(ref.Q.flatMap((q) => Array.from(q))));
          expect(bits(got.Xt.data)).toEqual(bits(ref.Xt));
        },
      ),
      fcRuns(200),
    );
  });

  it('draws the frozen part as before: layerGram equals ω²·(G Gᵀ) from the same draws, plus W_s W_sᵀ, by the plain loops bit for bit', () => {
    // the last two past dense.ts's WebAssembly threshold (m·m·(d − r) ≥ 4096)
    for (const [n, d, m] of [
      [4, 30, 5],
      [3, 17, 6],
      [6, 6, 3],
      [5, 300, 12],
      [7, 120, 9],
    ]) {
      const data = isotropicGaussian(new Rng(n), n, d, 1, 'sign');
      const inner = (r: number) => twoLayerNet({ d: r, width: m, activation: leakyRelu(0.3), trainOutput: false, wScale: 0.7, vScale: 1, vInit: 'sign' });
      const model = inGramCoordinates(inner, data.X, m, 0.7);
      const theta = model.init(new Rng(9));
      // the same streams: the inner net's draws, then the fork the frozen part is drawn from
      const rng = new Rng(9);
      const r = gramCoordinates(data.X).Q.rows;
      inner(r).init(rng);
      const g = rng.fork('W-perp');
      const k = d - r;
      const G = Array.from({ length: m }, () => g.fillNormal(new Float64Array(k), 0.7));
      const ref = new Float64Array(m * m);
      for (let i = 0; i < m; i++)
        for (let j = 0; j <= i; j++) {
          let s = 0;
          for (let t = 0; t < k; t++) s += G[i][t] * G[j][t];
          for (let a = 0; a < r; a++) s += theta[i * r + a] * theta[j * r + a];
          ref[i * m + j] = ref[j * m + i] = s;
        }
      expect(bits(model.layerGram!(theta, 'W')!.data)).toEqual(bits(ref));
    }
  });
});
