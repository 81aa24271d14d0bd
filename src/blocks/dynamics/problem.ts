// The problem a dynamics runs on: the objective and its parts, a private seeded stream, and the
// objective over a subset of the rows (mini-batches).
import type { Dataset } from '../../numeric/data.js';
import { ddObjective } from '../../numeric/dd-model.js';
import type { DDProblem } from '../../numeric/dd-dynamics.js';
import type { Model } from '../../numeric/models.js';
import { objectiveOnRows, type Objective } from '../../numeric/objective.js';
import { Rng } from '../../numeric/rng.js';
import type { DynamicsProblem, LossProduct } from '../types.js';
import { NoDoubleDoubleError } from '../../core/errors.js';

/** `objective` must be the loss with its reduction over all of `data`; `seed` is the trial's seed, from which the dynamics' stream is forked (a new Rng, so no existing stream advances). */
export function dynamicsProblem(objective: Objective, model: Model, data: Dataset, loss: LossProduct, seed: number): DynamicsProblem {
  const n = data.X.rows;
  let twins: DDProblem | undefined;
  return {
    objective,
    model,
    data,
    loss,
    rng: () => new Rng(seed).fork('dynamics'),
    objectiveOn(rows, labels) {
      // all rows in order with the data's labels: the objective itself (same numbers; Gram-coordinate models evaluate only their own data)
      let all = rows.length === n && !labels;
      for (let k = 0; all && k < n; k++) all = rows[k] === k;
      return all ? objective : objectiveOnRows(model, loss.loss, data.X, labels ?? data.y, loss.reduction, rows);
    },
    dd() {
      if (twins) return twins;
      if (!model.dd) throw new NoDoubleDoubleError(`the model "${model.name}" has no double-double version`);
      if (!loss.loss.dd) throw new NoDoubleDoubleError(`the loss "${loss.loss.name}" has no double-double version`);
      const twin = model.dd();
      return (twins = { model: twin, objective: ddObjective(twin, loss.loss.dd, data.X, data.y, loss.reduction) });
    },
  };
}
