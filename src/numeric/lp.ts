// The LP solver (HiGHS, WebAssembly): one instance for the module's users (max-margin checks, KKT points).
import * as highsModule from 'highs';

export interface LpSolution {
  Status: string;
  ObjectiveValue: number;
  Columns: Record<string, { Primal?: number }>;
}

// highs ships CommonJS typings for an ES module; its default export is the loader.
const loadHighs = (highsModule as unknown as { default: () => Promise<{ solve(lp: string): LpSolution }> }).default;
/** Solves an LP written in CPLEX LP format. */
export const highs = await loadHighs();
