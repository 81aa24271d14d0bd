// Worker-thread entry: one trial, or one symbolic step, per task.
import { existsSync, writeFileSync } from 'node:fs';
import type { SearchSpec, SymbolicStep } from '../claims/schema.js';
import { checkStep, type StepResult } from '../symbolic/check.js';
import type { TrialValues } from './space.js';
import { runTrial, type TrialOptions, type TrialResult } from './trial.js';

export interface TrialTask {
  spec: SearchSpec;
  values: TrialValues;
  options?: TrialOptions;
  /** fault injection for the reliability tests: the worker exits (dies mid-task) unless this file exists, creating it first ("die once") */
  dieUnlessFile?: string;
  /** fault injection: the worker always exits */
  dieAlways?: boolean;
  /** fault injection: the trial fills its heap until the worker's limit stops it */
  exhaustHeap?: boolean;
}

export interface StepTask {
  step: SymbolicStep;
  seed: number;
}

export default function (task: TrialTask | StepTask): TrialResult | StepResult {
  if ('step' in task) return checkStep(task.step, task.seed);
  if (task.dieAlways) process.exit(70);
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
