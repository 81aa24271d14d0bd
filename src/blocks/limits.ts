// The resource limits again, at run time: each block checks its real sizes against LIMITS before it
// allocates. Validation bounds a size only where its range over the space can be computed (not a
// size that uses a data statistic, or one it could not probe), and the worker heap limit does not
// count typed-array storage, so these checks are the real bound. Over a limit, the trial is
// `error: size — …` (SizeLimitError), never an allocation.
import { checkSize, trialMemoryMb } from '../core/limits.js';
import type { BlockContext } from './types.js';

export { checkSize };

/** A data set of n × d numbers. */
export function checkDataSize(block: string, n: number, d: number, what = `n ${n} × d ${d}`): void {
  checkSize('entries', n * d, `data block "${block}": ${what}`);
}

/** A model of `parameters` numbers (`what` says how they arise, e.g. "width 100 × (d 10 + 2) parameters") and `perRow` activations per data row: its entries, and the trial's estimated memory on the trial's data. */
export function checkModelSize(block: string, ctx: BlockContext, parameters: number, perRow: number, what: string): void {
  checkSize('entries', parameters, `model block "${block}": ${what}`);
  const rows = ctx.data?.X.rows ?? 1;
  const mb = trialMemoryMb(parameters, ctx.data ? ctx.data.X.rows * ctx.data.X.cols : 0, rows, perRow);
  checkSize('trialMb', mb, `model block "${block}" (${what}) on ${rows} data rows`);
}

/** Steps of one run of a dynamics. */
export function checkSteps(block: string, steps: number, what = `steps ${steps}`): void {
  checkSize('steps', steps, `dynamics block "${block}": ${what}`);
}
