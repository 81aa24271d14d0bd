// The row width a model reads against the one its data set has, over the search space (issue 22):
// the blocks' `check`s declare `columns` from their parameters; validation evaluates both at points
// of the space and reports the first point where they differ, with the variables' values there.
import type { BlockDef, NumExpr, RangeOf, StageBlocks, StaticRange } from '../blocks/types.js';
import { compileExpr, type CompiledExpr } from '../core/expr.js';
import { domainSize, domainValue, type Domain } from './schema.js';

/** Points of the space checked in full; beyond it, the corners and each variable's values one at a time. */
export const SHAPE_POINTS = 4096;

interface Stage {
  def: BlockDef;
  params: Record<string, unknown>;
}

/** The space variables a block's parameters use (symbols of every string inside them). */
function variablesOf(params: Record<string, unknown>, space: ReadonlySet<string>): Set<string> {
  const out = new Set<string>();
  const visit = (v: unknown): void => {
    if (typeof v === 'string') {
      try {
        for (const s of compileExpr(v).symbols) if (space.has(s)) out.add(s);
      } catch {
        // not an expression (an enum value): uses no variable
      }
    } else if (Array.isArray(v)) v.forEach(visit);
  };
  Object.values(params).forEach(visit);
  return out;
}

/**
 * Values of a variable at which widths are checked: every value of an int or grid domain; the two
 * ends of a range or log domain (a width from a continuous variable is checked at its ends, and only
 * where it is an integer there; between them the trial checks it).
 */
function valuesOf(d: Domain): number[] {
  const n = domainSize(d);
  if (!(n >= 1)) return [];
  if (d.int || d.grid) return Array.from({ length: Math.min(n, SHAPE_POINTS) }, (_, i) => domainValue(d, n <= SHAPE_POINTS ? i : Math.round((i * (n - 1)) / (SHAPE_POINTS - 1))));
  return [...new Set([domainValue(d, 0), domainValue(d, n - 1)])];
}

/** ≤ k values of a list, evenly spaced, its ends included. */
function thin(list: number[], k: number): number[] {
  if (list.length <= k) return list;
  return [...new Set(Array.from({ length: k }, (_, i) => list[Math.round((i * (list.length - 1)) / (k - 1))]))];
}

/**
 * The points checked: the whole product of the variables' values when it has at most SHAPE_POINTS
 * points; else every corner (each variable at an end; when there are at most 12 variables) and every
 * value of each variable (thinned to SHAPE_POINTS / #variables) with the others at their first value,
 * so each value is seen at least once but not every combination (a trial checks the rest).
 */
function points(names: string[], lists: number[][]): Array<Record<string, number>> {
  const total = lists.reduce((a, l) => a * l.length, 1);
  const out: Array<Record<string, number>> = [];
  const product = (ls: number[][]) => {
    const at: Record<string, number> = {};
    const visit = (k: number): void => {
      if (k === names.length) return void out.push({ ...at });
      for (const x of ls[k]) ((at[names[k]] = x), visit(k + 1));
    };
    visit(0);
  };
  if (total <= SHAPE_POINTS) {
    product(lists);
    return out;
  }
  if (names.length <= 12) product(lists.map((l) => [...new Set([l[0], l[l.length - 1]])]));
  const first = Object.fromEntries(names.map((n, i) => [n, lists[i][0]]));
  names.forEach((n, i) => {
    for (const x of thin(lists[i], Math.max(2, Math.floor(SHAPE_POINTS / names.length)))) out.push({ ...first, [n]: x });
  });
  return out;
}

/** A range function at one point of the space (and the data's n, d there): exact values, undefined for a name only a trial computes. */
function pinned(at: Record<string, number>, cache: Map<string, CompiledExpr | null>): RangeOf {
  return (v: NumExpr | undefined): StaticRange | undefined => {
    if (v === undefined) return undefined;
    if (typeof v === 'number') return Number.isFinite(v) ? { lo: v, hi: v } : undefined;
    let e = cache.get(v);
    if (e === undefined) {
      try {
        e = compileExpr(v);
      } catch {
        e = null;
      }
      cache.set(v, e);
    }
    if (!e || ![...e.symbols].every((s) => Object.hasOwn(at, s))) return undefined;
    const x = e.value(at);
    return Number.isFinite(x) ? { lo: x, hi: x } : undefined;
  };
}

const width = (r: StaticRange | undefined): number | undefined => (r && r.lo === r.hi && Number.isInteger(r.lo) && r.lo >= 1 ? r.lo : undefined);

/**
 * The first point of the space where the model reads rows of another width than the data have, as a
 * message naming both widths and the variables' values there; undefined when none of the checked
 * points differ (or a width is not known before a trial: a data statistic, a block with no `check`).
 */
export function widthMismatch(data: Stage, model: Stage, space: Record<string, Domain>, stageBlocks: StageBlocks): string | undefined {
  if (!data.def.check || !model.def.check) return undefined;
  const spaceNames = new Set(Object.keys(space));
  const names = [...new Set([...variablesOf(data.params, spaceNames), ...variablesOf(model.params, spaceNames)])].sort();
  const lists = names.map((n) => valuesOf(space[n]));
  if (lists.some((l) => !l.length)) return undefined;
  const cache = new Map<string, CompiledExpr | null>();
  for (const at of points(names, lists)) {
    const shape = data.def.check(data.params as never, pinned(at, cache), stageBlocks);
    const dataCols = width(shape.columns);
    if (dataCols === undefined) continue;
    // the model may use the data's n and d (a space variable of that name keeps its own value)
    const scope: Record<string, number> = { d: dataCols, ...(width(shape.rows) !== undefined ? { n: width(shape.rows)! } : {}), ...at };
    const modelCols = width(model.def.check(model.params as never, pinned(scope, cache), stageBlocks).columns);
    if (modelCols === undefined || modelCols === dataCols) continue;
    const where = names.length ? ` at ${names.map((n) => `${n} = ${at[n]}`).join(', ')}` : '';
    return `model block "${model.def.name}" reads data rows of ${modelCols} numbers, but data block "${data.def.name}" has rows of ${dataCols}${where}`;
  }
  return undefined;
}
