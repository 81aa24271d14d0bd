// The diagonal network's start: a shaped, biased start w(0) = w0 with u_iv_i = α²s_i² (the product the
// flow conserves), the uv image of it, and α where float64 cannot follow the u2-v2 path (an error
// with the reason, in the range the Q_α metrics accept).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatError, loadClaimText } from '../../src/claims/load.js';
import { diagonalPredictor, diagonalStart } from '../../src/numeric/diagonal-linear.js';
import { runTrial } from '../../src/search/trial.js';
import { fcRuns } from '../checks.js';
import { claimWithSearch, searchFixture } from '../helpers.js';

const rel = (a: number, b: number) => Math.abs(a - b) / Math.max(Math.abs(a), Math.abs(b), 1e-300);

describe('diagonalStart', () => {
  it('by default is u = v = α (u2-v2) and u = 2α, v = 0 (uv), exactly', () => {
    for (const alpha of [1e-100, 0.3, 7.5, 1e100]) {
      expect([...diagonalStart({ d: 3, parametrization: 'u2-v2', alpha })]).toEqual([alpha, alpha, alpha, alpha, alpha, alpha]);
      expect([...diagonalStart({ d: 2, parametrization: 'uv', alpha })]).toEqual([2 * alpha, 2 * alpha, 0, 0]);
    }
  });

  it('a biased, shaped start: w(0) = w0 and u_iv_i = α²s_i² (u2-v2); uv: u⊙v = w0 and u² − v² = 4α²s² (its image)', () => {
    fc.assert(
      fc.property(
        fc.double({ min: -3, max: 2, noNaN: true }),
        fc.array(
          fc.tuple(
            fc.double({ min: 0.1, max: 10, noNaN: true }),
            fc.double({ min: -50, max: 50, noNaN: true }).map((x) => (Math.abs(x) < 1e-9 ? 0 : x)),
          ),
          { minLength: 1, maxLength: 6 },
        ),
        (logAlpha, coords) => {
          const alpha = 10 ** logAlpha,
            d = coords.length;
          const shape = coords.map((c) => c[0]),
            w0 = coords.map((c) => c[1]);
          const a = diagonalStart({ d, parametrization: 'u2-v2', alpha, shape, w0 });
          const b = diagonalStart({ d, parametrization: 'uv', alpha, shape, w0 });
          const wa = diagonalPredictor(a, d, 'u2-v2'),
            wb = diagonalPredictor(b, d, 'uv');
          for (let k = 0; k < d; k++) {
            const scale2 = (alpha * shape[k]) ** 2;
            // u² − v² cancels: its error is rounding of u², v² (≤ a few ulp of u² + v²)
            expect(Math.abs(wa[k] - w0[k])).toBeLessThanOrEqual(1e-14 * (a[k] ** 2 + a[d + k] ** 2) + 1e-300);
            expect(rel(a[k] * a[d + k], scale2)).toBeLessThan(1e-13);
            expect(rel(wb[k], w0[k])).toBeLessThan(1e-13);
            expect(Math.abs(b[k] ** 2 - b[d + k] ** 2 - 4 * scale2)).toBeLessThanOrEqual(1e-13 * (b[k] ** 2 + b[d + k] ** 2));
          }
        },
      ),
      fcRuns(200),
    );
  });
});

const claim = (model: string, alpha: number, eta = '0.05') =>
  searchFixture(`trials: 1
space: { alpha: { grid: [${alpha}] } }
data: { block: sparse-regression, n: 4, d: 8, k: 1, support: first, signs: positive }
model: ${model}
loss: { block: square, reduction: mean }
dynamics: { block: gradient-descent, steps: 20000, eta: '${eta} / max(1, alpha^2)', stop_loss: 1e-20 }
metrics:
  lossT: { block: loss }
  w1: { block: layer-entry, layer: w, col: 0 }
  w2: { block: layer-entry, layer: w, col: 1 }
  w2_0: { block: layer-entry, layer: w, col: 1, at: initial }
property: 'lossT < 1e-12'`);

describe('diagonal-linear in a trial', () => {
  it('a biased start trains from w(0) = w0, and uv with step 2η takes the steps of u2-v2 with η from it', () => {
    const u2 = runTrial(claim(`{ block: diagonal-linear, d: 8, alpha: alpha, w0: 'i == 2 ? 0.5 : 0', shape: '1 + i / 8' }`, 0.1), { alpha: 0.1, seed: 3 });
    const uv = runTrial(claim(`{ block: diagonal-linear, d: 8, alpha: alpha, parametrization: uv, w0: 'i == 2 ? 0.5 : 0', shape: '1 + i / 8' }`, 0.1, '0.1'), {
      alpha: 0.1,
      seed: 3,
    });
    expect(u2.status, JSON.stringify(u2)).toBe('pass');
    expect(uv.status, JSON.stringify(uv)).toBe('pass');
    expect(rel(uv.quantities.w1, u2.quantities.w1)).toBeLessThan(1e-6);
    expect(rel(uv.quantities.w2, u2.quantities.w2)).toBeLessThan(1e-6);
    expect(u2.quantities.w2_0).toBeCloseTo(0.5, 14);
    expect(uv.quantities.w2_0).toBeCloseTo(0.5, 14);
  });

  it('at α = 1e100 u2-v2 is a trial error that says why (u ≈ v cancel), while uv runs', () => {
    const r = runTrial(claim('{ block: diagonal-linear, d: 8, alpha: alpha }', 1e100), { alpha: 1e100, seed: 1 });
    expect(r.status).toBe('error');
    expect(r.message).toMatch(/diagonal-linear: at alpha = 1e\+100 the u2-v2 start resolves w = u⊙u − v⊙v only to .* \(u ≈ v cancel\).*parametrization: uv/);
    const ok = runTrial(claim('{ block: diagonal-linear, d: 8, alpha: alpha, parametrization: uv }', 1e100), { alpha: 1e100, seed: 1 });
    expect(ok.status, JSON.stringify(ok)).not.toBe('error');
    expect(ok.status).not.toBe('diverged');
    // at α = 15 (the largest of claims/woodworth2020) u2-v2 is fine
    expect(runTrial(claim('{ block: diagonal-linear, d: 8, alpha: alpha }', 15), { alpha: 15, seed: 1 }).status).not.toBe('error');
  });

  it('alpha outside the Q_α metrics’ range [1e-100, 1e100] is invalid at validation, at its file:line:column', () => {
    const search = `trials: 1
space: { alpha: { grid: [0.1, 1e101] } }
data: { block: sparse-regression, n: 4, d: 8, k: 1 }
model: { block: diagonal-linear, d: 8, alpha: alpha }
loss: { block: square }
metrics: { lossT: { block: loss } }
property: 'lossT >= 0'`;
    const r = loadClaimText('x.yaml', claimWithSearch(search), 't');
    expect(r.ok).toBe(false);
    const errs = r.ok ? [] : r.errors.map(formatError);
    expect(errs).toEqual([
      expect.stringMatching(/^x\.yaml:\d+:\d+: search\.model\.alpha: .*alpha must lie in \[1e-100, 1e\+100\], found values from 0\.1 to 1e\+101/),
    ]);
  });

  it('a shape that is not positive is a trial error naming the coordinate (a shape of i and the space, which validation cannot evaluate)', () => {
    const r = runTrial(claim(`{ block: diagonal-linear, d: 8, alpha: alpha, shape: '4 - i * alpha / 0.1' }`, 0.1), { alpha: 0.1, seed: 1 });
    expect(r.status).toBe('error');
    expect(r.message).toMatch(/diagonal-linear: shape must be positive and finite, found 0 at i = 4/);
  });

  // hostile finding #22.8: shape checked at validation where it is known, and an overflow it causes blamed on it
  const validation = (model: string, alphas = '[0.1]') => {
    const search = `trials: 1
space: { alpha: { grid: ${alphas} } }
data: { block: sparse-regression, n: 4, d: 8, k: 1 }
model: ${model}
loss: { block: square }
metrics: { lossT: { block: loss } }
property: 'lossT >= 0'`;
    const r = loadClaimText('x.yaml', claimWithSearch(search), 't');
    return r.ok ? [] : r.errors.map(formatError);
  };

  it('a constant shape ≤ 0 or non-finite, one of i alone ≤ 0 at some i ≤ d, or of the space ≤ 0 somewhere: invalid at shape', () => {
    const at = (msg: string) => expect.stringMatching(new RegExp(`^x\\.yaml:\\d+:\\d+: search\\.model\\.shape: model block "diagonal-linear": ${msg}$`));
    expect(validation(`{ block: diagonal-linear, d: 8, alpha: alpha, shape: 0 }`)).toEqual([at('shape must be positive and finite, found 0')]);
    expect(validation(`{ block: diagonal-linear, d: 8, alpha: alpha, shape: '0' }`)).toEqual([at('shape must be positive and finite, found 0')]);
    expect(validation(`{ block: diagonal-linear, d: 8, alpha: alpha, shape: '1 / 0' }`)).toEqual([at('shape must be positive and finite, found Infinity')]);
    expect(validation(`{ block: diagonal-linear, d: 8, alpha: alpha, shape: 'i - 2' }`)).toEqual([at('shape must be positive and finite, found -1 at i = 1')]);
    expect(validation(`{ block: diagonal-linear, d: 8, alpha: alpha, shape: '8 - i' }`)).toEqual([at('shape must be positive and finite, found 0 at i = 8')]);
    expect(validation(`{ block: diagonal-linear, d: 8, alpha: alpha, shape: 'alpha - 0.2' }`, '[0.1, 0.3]')).toEqual([
      at('shape must be positive and finite, found -0\\.1.*'),
    ]);
    expect(validation(`{ block: diagonal-linear, d: 8, alpha: alpha, shape: '9 - i' }`)).toEqual([]);
    expect(validation(`{ block: diagonal-linear, d: 8, alpha: alpha, shape: '1 + i * alpha' }`)).toEqual([]);
  });

  it('α·s_i outside alpha’s range [1e-100, 1e100] is invalid at shape (validation) or a trial error naming shape, not alpha alone', () => {
    expect(validation(`{ block: diagonal-linear, d: 8, alpha: alpha, shape: 1e100 }`, '[1e-3, 1e100]')).toEqual([
      expect.stringContaining(
        "search.model.shape: model block \"diagonal-linear\": the start's scale alpha·shape = 1e+100·1e+100 = 1e+200 is outside [1e-100, 1e+100] (alpha's range, which keeps u_iv_i = (α s_i)² well inside float64's): (α s_i)² = Infinity overflows float64; the shape sets it",
      ),
    ]);
    expect(validation(`{ block: diagonal-linear, d: 8, alpha: alpha, shape: '1e-200' }`, '[1e-100]')).toEqual([
      expect.stringContaining(
        "alpha·shape = 1e-100·1e-200 = 1e-300 is outside [1e-100, 1e+100] (alpha's range, which keeps u_iv_i = (α s_i)² well inside float64's): (α s_i)² = 0 underflows to 0",
      ),
    ]);
    expect(validation(`{ block: diagonal-linear, d: 8, alpha: alpha, shape: 'i == 8 ? 1e-99 : 1' }`, '[1e-3, 1]')).toEqual([
      expect.stringContaining('at i = 8 is outside [1e-100, 1e+100]'),
    ]);
    const r = runTrial(claim(`{ block: diagonal-linear, d: 8, alpha: alpha, parametrization: uv, shape: '1 + (i == 3) * alpha * 1e120' }`, 0.1), {
      alpha: 0.1,
      seed: 1,
    });
    expect(r.status).toBe('error');
    expect(r.message).toMatch(
      /diagonal-linear: the start's scale alpha·shape = 0\.1·1(\.0*1)?e\+119 = 1(\.0*\d)?e\+118 at i = 3 is outside .*\(α s_i\)² = 1(\.0*\d)?e\+236; the shape sets it/,
    );
    // a shaped u2-v2 start that u ≈ v cannot resolve names the shape beside alpha
    const c = runTrial(claim(`{ block: diagonal-linear, d: 8, alpha: alpha, shape: '1 + (i == 3) * alpha * 1e90' }`, 0.1), { alpha: 0.1, seed: 1 });
    expect(c.status).toBe('error');
    expect(c.message).toMatch(
      /diagonal-linear: at alpha = 0\.1 with shape s_i up to 1e\+89 \(α s_i up to 1e\+88\) the u2-v2 start resolves w .* or a smaller alpha or shape/,
    );
  });
});
