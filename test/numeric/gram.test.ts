import { describe, expect, it } from 'vitest';
import { isotropicGaussian } from '../../src/numeric/data.js';
import { gradientDescent } from '../../src/numeric/dynamics.js';
import { gramCoordinates, inGramCoordinates } from '../../src/numeric/gram.js';
import { gramRows, matmul, singularValues, singularValuesFromGram, transpose } from '../../src/numeric/linalg.js';
import { logisticLoss } from '../../src/numeric/losses.js';
import { leakyRelu, twoLayerNet } from '../../src/numeric/models.js';
import { objective } from '../../src/numeric/objective.js';
import { Rng } from '../../src/numeric/rng.js';

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
});
