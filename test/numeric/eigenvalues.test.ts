// Symmetric eigenvalues (src/numeric/eigenvalues.ts) against ml-matrix's EigenvalueDecomposition
// (the same algorithm with eigenvectors) and against matrices whose spectrum is known.
import fc from 'fast-check';
import { EigenvalueDecomposition, Matrix } from 'ml-matrix';
import { describe, expect, it } from 'vitest';
import { symmetricEigenvalues } from '../../src/numeric/eigenvalues.js';
import { fromRows, gramRows, mat, toRows } from '../../src/numeric/linalg.js';
import { Rng } from '../../src/numeric/rng.js';
import { fcRuns } from '../checks.js';

const reference = (a: ReturnType<typeof mat>) =>
  new EigenvalueDecomposition(new Matrix(toRows(a)), { assumeSymmetric: true }).realEigenvalues.sort((x, y) => y - x);

describe('symmetricEigenvalues', () => {
  it('known spectra: 2×2, diagonal with repeats, the zero matrix, 1×1, empty', () => {
    expect(
      symmetricEigenvalues(
        fromRows([
          [2, 1],
          [1, 2],
        ]),
      ).map((x) => +x.toFixed(14)),
    ).toEqual([3, 1]);
    expect(
      symmetricEigenvalues(
        fromRows([
          [1, 0, 0],
          [0, 5, 0],
          [0, 0, 1],
        ]),
      ),
    ).toEqual([5, 1, 1]);
    expect(symmetricEigenvalues(mat(4, 4))).toEqual([0, 0, 0, 0]);
    expect(symmetricEigenvalues(fromRows([[-2.5]]))).toEqual([-2.5]);
    expect(symmetricEigenvalues(mat(0, 0))).toEqual([]);
  });

  it('agree with ml-matrix on random symmetric matrices and on Gram matrices of any rank, reading only the lower triangle (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1e6 }), fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 12 }), (seed, n, r) => {
        const rng = new Rng(seed);
        const S = mat(n, n);
        for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) S.data[i * n + j] = S.data[j * n + i] = rng.normal();
        const F = mat(n, Math.min(r, n));
        rng.fillNormal(F.data);
        for (const a of [S, gramRows(F)]) {
          const want = reference(a);
          const lower = Float64Array.from(a.data);
          for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) lower[i * n + j] = NaN;
          const got = symmetricEigenvalues({ rows: n, cols: n, data: lower });
          const scale = Math.max(1, ...want.map(Math.abs));
          for (let i = 0; i < n; i++) expect(Math.abs(got[i] - want[i])).toBeLessThan(1e-13 * scale);
        }
      }),
      fcRuns(80),
    );
  });
});
