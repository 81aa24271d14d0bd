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

/** Text of the LPs remembered (UTF-16 code units) before the memo starts afresh. */
const MEMO_CHARS = 8_000_000;
const memo = new Map<string, LpSolution>();
let memoChars = 0;

/**
 * Solves an LP written in CPLEX LP format. HiGHS is deterministic (a fresh solver per call, fixed
 * seeds), so the solution of an LP text solved before is returned again, not recomputed (KKT-point
 * searches repeat ~15% of their LPs); callers only read it.
 */
export const highs = {
  solve(lp: string): LpSolution {
    let r = memo.get(lp);
    if (!r) {
      r = solver.solve(lp);
      if (memoChars + lp.length > MEMO_CHARS) (memo.clear(), (memoChars = 0));
      memo.set(lp, r);
      memoChars += lp.length;
    }
    return r;
  },
};
