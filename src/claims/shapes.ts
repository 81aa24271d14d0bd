// The row width a model reads against the one its data set has, over the search space (issue 22):
// the blocks' `check`s declare `columns` from their parameters; validation evaluates both at points
// of the space (and at the values variants, boundary grids and trajectories set) and reports the first
// point where a width is no positive integer or the two differ, with the variables' values there.
import type { BlockDef, NumExpr, RangeOf, StageBlocks, StaticRange } from '../blocks/types.js';
import { compileExpr, type CompiledExpr } from '../core/expr.js';
import { domainSize, domainValue, type BoundarySpec, type Domain, type TrajectorySpec } from './schema.js';

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
 * ends of a range or log domain (values a trial can draw: a width that is no positive integer there is
 * an error; between them the trial checks it).
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

/** A width known at a point: lo = hi and finite. */
const known = (r: StaticRange | undefined): number | undefined => (r && r.lo === r.hi && Number.isFinite(r.lo) ? r.lo : undefined);
const isWidth = (x: number | undefined): x is number => x !== undefined && Number.isInteger(x) && x >= 1;

/** The parameter of a block that sets its width, for the message's file:line:column: `d` if it has one, else the first that uses a variable. */
function widthField(stage: Stage, names: ReadonlySet<string>): string | undefined {
  if (Object.hasOwn(stage.params, 'd')) return 'd';
  return Object.keys(stage.params).find((k) => variablesOf({ [k]: stage.params[k] }, names).size > 0);
}

/** Where a claim runs trials at other values than the space's: a variant's overrides, or the grid of a boundary map / trajectory. */
export interface ShapeView {
  /** the values a variable takes there, in place of its domain (a boundary axis, a fixed value) */
  values?: Record<string, number[]>;
  /** values set at each point of the space, from the point's values (a variant's overrides) */
  overrides?: Array<{ name: string; value: number | CompiledExpr }>;
  /** what the points are, for the message ("in variant \"wide\"", "in the boundary grid") */
  where?: string;
}

/** A width problem at one point: the stage and parameter it is reported at, and the point. */
export interface ShapeProblem {
  stage: 'data' | 'model';
  field?: string;
  message: string;
  at: Record<string, number>;
  /** in a view with values: the variable whose value there alone (the others at their space values) makes the problem, where one does */
  blame?: string;
}

/**
 * The first point of the space (or of a view of it: a variant, a boundary grid) where a width is not a
 * positive integer, or the model reads rows of another width than the data have, with the variables'
 * values there; undefined when none of the checked points has one (or a width is not known before a
 * trial: a data statistic, a block with no `check`).
 */
export function widthMismatch(data: Stage, model: Stage, space: Record<string, Domain>, stageBlocks: StageBlocks, view: ShapeView = {}): ShapeProblem | undefined {
  const p = firstWidthMismatch(data, model, space, stageBlocks, view);
  if (!p || !view.values) return p;
  const blame = Object.keys(view.values).find(
    (v) => Object.hasOwn(p.at, v) && Object.hasOwn(space, v) && firstWidthMismatch(data, model, space, stageBlocks, { values: { [v]: [p.at[v]] } }) !== undefined,
  );
  return blame === undefined ? p : { ...p, blame };
}

function firstWidthMismatch(data: Stage, model: Stage, space: Record<string, Domain>, stageBlocks: StageBlocks, view: ShapeView): ShapeProblem | undefined {
  if (!data.def.check || !model.def.check) return undefined;
  const spaceNames = new Set(Object.keys(space));
  const overrides = view.overrides ?? [];
  const used = new Set([...variablesOf(data.params, spaceNames), ...variablesOf(model.params, spaceNames)]);
  if (overrides.length && !overrides.some((o) => used.has(o.name))) return undefined;
  // an override's expression reads the point's values before the override replaces them
  for (const o of overrides) if (typeof o.value !== 'number') for (const sym of o.value.symbols) if (spaceNames.has(sym)) used.add(sym);
  // (an unknown name in an override is reported where the variant is planned)
  if (overrides.some((o) => typeof o.value !== 'number' && [...o.value.symbols].some((sym) => !spaceNames.has(sym)))) return undefined;
  const names = [...used].sort();
  const lists = names.map((n) => view.values?.[n] ?? valuesOf(space[n]));
  if (lists.some((l) => !l.length)) return undefined;
  const cache = new Map<string, CompiledExpr | null>();
  for (const point of points(names, lists)) {
    const at = { ...point };
    for (const o of overrides) at[o.name] = typeof o.value === 'number' ? o.value : o.value.value(point);
    const shown = Object.keys(at).filter((n) => used.has(n) || overrides.some((o) => o.name === n));
    const where = (shown.length ? ` at ${shown.map((n) => `${n} = ${at[n]}`).join(', ')}` : '') + (view.where ? ` (${view.where})` : '');
    const notWidth = (stage: Stage, kind: 'data' | 'model', x: number): ShapeProblem => ({
      stage: kind,
      field: widthField(stage, spaceNames),
      message: `${kind} block "${stage.def.name}" ${kind === 'data' ? 'has rows of' : 'reads data rows of'} ${x} numbers${where}: a row's width must be a positive integer`,
      at,
    });
    const shape = data.def.check(data.params as never, pinned(at, cache), stageBlocks);
    const dataCols = known(shape.columns);
    if (dataCols === undefined) continue;
    if (!isWidth(dataCols)) return notWidth(data, 'data', dataCols);
    // the model may use the data's n and d (a space variable of that name keeps its own value)
    const rows = known(shape.rows);
    const scope: Record<string, number> = { d: dataCols, ...(isWidth(rows) ? { n: rows } : {}), ...at };
    const modelCols = known(model.def.check(model.params as never, pinned(scope, cache), stageBlocks).columns);
    if (modelCols === undefined || modelCols === dataCols) continue;
    if (!isWidth(modelCols)) return notWidth(model, 'model', modelCols);
    return {
      stage: 'model',
      message: `model block "${model.def.name}" reads data rows of ${modelCols} numbers, but data block "${data.def.name}" has rows of ${dataCols}${where}`,
      at,
    };
  }
  return undefined;
}

/** Values a claim's boundary map or trajectory runs trials at, where the file sets them, and where a problem there is reported. */
export interface ShapeGrid {
  values: Record<string, number[]>;
  where: string;
  /** where the problem at `at` is reported: at the value of `blame` (the variable whose value alone makes it), else of the first axis in `at` */
  path: (at: Record<string, number>, blame?: string) => (string | number)[];
}

/** The grids of a claim's boundary map (x, y and fixed values) and trajectory (series and fixed values). */
export function shapeGrids(boundary: BoundarySpec | undefined, trajectory: TrajectorySpec | undefined): ShapeGrid[] {
  const grid = (section: string, axes: Array<[string[], { var: string; values: number[] } | undefined]>, fixed: Record<string, number>): ShapeGrid => {
    const values: Record<string, number[]> = Object.fromEntries(Object.entries(fixed).map(([k, v]) => [k, [v]]));
    for (const [, ax] of axes) if (ax) values[ax.var] = ax.values;
    return {
      values,
      where: `in the ${section === 'boundary' ? 'boundary grid' : 'trajectory'}`,
      path: (at, blame) => {
        const first = (ok: (v: string) => boolean) => {
          for (const [key, ax] of axes) if (ax && ok(ax.var)) return [section, ...key, 'values', ax.values.indexOf(at[ax.var])];
          const k = Object.keys(fixed).find(ok);
          return k === undefined ? undefined : [section, 'fixed', k];
        };
        const inAt = (v: string) => Object.hasOwn(at, v);
        return (blame === undefined ? undefined : first((v) => v === blame && inAt(v))) ?? first(inAt) ?? [section];
      },
    };
  };
  const out: ShapeGrid[] = [];
  if (boundary)
    out.push(
      grid(
        'boundary',
        [
          [['x'], boundary.x],
          [['y'], boundary.y],
        ],
        boundary.fixed,
      ),
    );
  if (trajectory) out.push(grid('trajectory', [[['series'], trajectory.series]], trajectory.fixed));
  return out;
}
