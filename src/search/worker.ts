// Worker-thread entry: one trial, a batch of trials of one search, or one symbolic step, per task.
import { existsSync, writeFileSync } from 'node:fs';
import type { SearchSpec, SymbolicStep } from '../claims/schema.js';
import { checkStep, type StepResult } from '../symbolic/check.js';
import type { TrialValues } from './space.js';
import { SizeLimitError, checkSize } from '../core/limits.js';
import { runTrial, runTrials, type TrialOptions, type TrialResult } from './trial.js';

export interface TrialTask {
  spec: SearchSpec;
  values: TrialValues;
  options?: TrialOptions;
  /** fault injection for the reliability tests: the worker exits (dies mid-task) unless this file exists, creating it first ("die once") */
  dieUnlessFile?: string;
  /** fault injection: the worker always exits */
  dieAlways?: boolean;
  /**
   * fault injection: the trial fills its heap until the worker's limit stops it (true), or fills
   * Float64Arrays (`'typed'`), which the heap limit does not count: each allocation is first checked
   * against CLAIMCHECK_MAX_ENTRIES as a block checks its sizes, so the trial ends `error: size — …`
   */
  exhaustHeap?: boolean | 'typed';
}

/** Trials of one search, run together (batched where a kernel takes them); results in the order of `batch`. */
export interface TrialBatchTask {
  spec: SearchSpec;
  batch: TrialValues[];
  options?: TrialOptions;
}

export interface StepTask {
  step: SymbolicStep;
  seed: number;
}

export default function (task: TrialTask | TrialBatchTask | StepTask): TrialResult | TrialResult[] | StepResult {
  if ('step' in task) return checkStep(task.step, task.seed);
  if ('batch' in task) return runTrials(task.spec, task.batch, task.options);
  if (task.dieAlways) process.exit(70);
  if (task.exhaustHeap === 'typed') return typedHoard(task);
  if (task.exhaustHeap) {
    const hoard: number[][] = [];
    for (;;) hoard.push(Array.from({ length: 1 << 16 }, (_, i) => i + hoard.length));
  }
  if (task.dieUnlessFile && !existsSync(task.dieUnlessFile)) {
    writeFileSync(task.dieUnlessFile, 'died once\n');
    process.exit(70);
  }
  return runTrial(task.spec, task.values, task.options);
}

/** Float64Arrays of 2^20 entries each, every one checked against the entries limit before it is allocated (as blocks do). */
function typedHoard(task: TrialTask): TrialResult {
  const hoard: Float64Array[] = [];
  const chunk = 1 << 20;
  try {
    for (;;) {
      checkSize('entries', (hoard.length + 1) * chunk, `fault injection: ${hoard.length + 1} typed arrays of ${chunk} numbers`);
      hoard.push(new Float64Array(chunk).fill(hoard.length));
    }
  } catch (e) {
    if (!(e instanceof SizeLimitError)) throw e;
    return { status: 'error', values: task.values, quantities: {}, hypotheses: {}, message: e.message, ms: 0 };
  }
}
