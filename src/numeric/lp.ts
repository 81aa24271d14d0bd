// The LP solver (HiGHS, WebAssembly): one instance for the module's users (max-margin checks, KKT points).
import * as highsModule from 'highs';

export interface LpSolution {
  Status: string;
  ObjectiveValue: number;
  Columns: Record<string, { Primal?: number }>;
}

// highs ships CommonJS typings for an ES module; its default export is the loader.
const loadHighs = (highsModule as unknown as { default: () => Promise<{ solve(lp: string): LpSolution }> }).default;
const solver = await loadHighs();

/** What the memo may hold, in estimated bytes (the LP text, and each column's name and value), before it starts afresh. */
const MEMO_BYTES = 16_000_000;
const BYTES_PER_COLUMN = 80;
interface Remembered {
  status: string;
  objective: number;
  names: string[];
  /** column i's primal value, where HiGHS gave one (has[i] = 1) */
  primal: Float64Array;
  has: Uint8Array;
  bytes: number;
}
const memo = new Map<string, Remembered>();
let memoBytes = 0;

/** A fresh LpSolution with the fields callers read (a caller cannot change what the memo holds). */
function answer(r: Remembered): LpSolution {
  const Columns: LpSolution['Columns'] = {};
  for (let i = 0; i < r.names.length; i++) Columns[r.names[i]] = r.has[i] ? { Primal: r.primal[i] } : {};
  return { Status: r.status, ObjectiveValue: r.objective, Columns };
}

/**
 * Solves an LP written in CPLEX LP format. HiGHS is deterministic (a fresh solver per call, fixed
 * seeds), so the solution of an LP text solved before is given again, not recomputed (KKT-point
 * searches repeat ~15% of their LPs). The memo keeps only the status, the objective and the primal
 * values (HiGHS's whole answer is ~10× the LP text), within MEMO_BYTES.
 */
export const highs = {
  solve(lp: string): LpSolution {
    let r = memo.get(lp);
    if (!r) {
      const s = solver.solve(lp);
      const names = Object.keys(s.Columns ?? {});
      const primal = Float64Array.from(names, (n) => s.Columns[n].Primal ?? 0);
      const has = Uint8Array.from(names, (n) => (s.Columns[n].Primal === undefined ? 0 : 1));
      r = { status: s.Status, objective: s.ObjectiveValue, names, primal, has, bytes: 2 * lp.length + BYTES_PER_COLUMN * names.length };
      if (memoBytes + r.bytes > MEMO_BYTES) (memo.clear(), (memoBytes = 0));
      if (r.bytes <= MEMO_BYTES) (memo.set(lp, r), (memoBytes += r.bytes));
    }
    return answer(r);
  },
  /** estimated bytes the memo holds now (for the tests) */
  memoBytes: (): number => memoBytes,
};
