// Worker-thread entry: one trial per task.
import type { SearchSpec } from '../claims/schema.js';
import type { TrialValues } from './space.js';
import { runTrial, type TrialOptions, type TrialResult } from './trial.js';

export interface TrialTask {
  spec: SearchSpec;
  values: TrialValues;
  options?: TrialOptions;
}

export default function (task: TrialTask): TrialResult {
  return runTrial(task.spec, task.values, task.options);
}
