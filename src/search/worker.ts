// Worker-thread entry: one trial per task.
import { existsSync, writeFileSync } from 'node:fs';
import type { SearchSpec } from '../claims/schema.js';
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
}

export default function (task: TrialTask): TrialResult {
  if (task.dieAlways) process.exit(70);
  if (task.dieUnlessFile && !existsSync(task.dieUnlessFile)) {
    writeFileSync(task.dieUnlessFile, 'died once\n');
    process.exit(70);
  }
  return runTrial(task.spec, task.values, task.options);
}
