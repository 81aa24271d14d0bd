// `npx tsx bench/dd.ts`: the cost of double-double (src/numeric/dd.ts) relative to float64 (issue 19): one
// dense matrix–vector product at a deep-linear size and wide-layer sizes, then a value-and-gradient and a
// dynamics step of the models' double-double twins at two sizes each. A benchmark, not a test.
import { ddGradientDescent, ddGradientFlow } from '../src/numeric/dd-dynamics.js';
import { ddObjective, ddVec, ddVecFrom } from '../src/numeric/dd-model.js';
import { ddMatVec } from '../src/numeric/dd.js';
import { deepLinearNet } from '../src/numeric/deeplinear.js';
import { gradientDescent, gradientFlow } from '../src/numeric/dynamics.js';
import { mat, type Mat } from '../src/numeric/linalg.js';
import { squareLoss } from '../src/numeric/losses.js';
import { leakyRelu, twoLayerNet, type Model } from '../src/numeric/models.js';
import { objective } from '../src/numeric/objective.js';
import { Rng } from '../src/numeric/rng.js';
import { secondsPerCall } from './timing.js';

/** Microseconds per call (best of 5 batches of ≥ 200 ms). */
const perCall = (f: () => unknown): number => secondsPerCall(f, 200) * 1e6;

function matVec(a: Float64Array, rows: number, cols: number, x: Float64Array, out: Float64Array): void {
  for (let i = 0; i < rows; i++) {
    let s = 0;
    for (let j = 0, k = i * cols; j < cols; j++, k++) s += a[k] * x[j];
    out[i] = s;
  }
}

const rng = new Rng(19);
const random = (n: number) => Float64Array.from({ length: n }, () => rng.normal());
const sizes: [string, number, number][] = [
  ['2×2 (deep linear layer)', 2, 2],
  ['64×64', 64, 64],
  ['50×4000', 50, 4000],
  ['512×512', 512, 512],
];
console.log('size                      float64 µs   double-double µs   ratio');
for (const [name, rows, cols] of sizes) {
  const aHi = random(rows * cols);
  const aLo = aHi.map((v) => v * 2 ** -60 * rng.normal());
  const xHi = random(cols);
  const xLo = xHi.map((v) => v * 2 ** -60 * rng.normal());
  const outHi = new Float64Array(rows);
  const outLo = new Float64Array(rows);
  const f64 = perCall(() => matVec(aHi, rows, cols, xHi, outHi));
  const dd = perCall(() => ddMatVec(aHi, aLo, rows, cols, xHi, xLo, outHi, outLo));
  console.log(`${name.padEnd(26)}${f64.toFixed(3).padStart(10)}${dd.toFixed(3).padStart(19)}${(dd / f64).toFixed(1).padStart(8)}×`);
}

// A value-and-gradient and a whole dynamics step of the double-double twins (model.dd(), ddObjective,
// dd-dynamics.ts) against float64, at two sizes of each model a replay meets. A dynamics step is the
// mean over a run: Dormand–Prince along the float64 run's own accepted steps (as a witness replay
// takes them), gradient descent for a fixed number of steps.
interface Problem {
  name: string;
  model: Model;
  X: Mat;
  y: Float64Array;
  theta0: Float64Array;
  /** 'flow': Dormand–Prince over [0, time]; 'gd': `steps` steps of size eta */
  dynamics: { kind: 'flow'; time: number; rtol: number } | { kind: 'gd'; steps: number; eta: number };
}

/** Matrix completion of a rows×cols matrix from `observed` distinct entries (random positions, N(0,1) values), by a deep linear net. */
function completion(rows: number, cols: number, depth: number, observed: number, scale: number): Omit<Problem, 'name' | 'dynamics'> {
  const cells = Array.from({ length: rows * cols }, (_, k) => k);
  for (let k = cells.length - 1; k > 0; k--) {
    const j = Math.floor(rng.uniform() * (k + 1));
    [cells[k], cells[j]] = [cells[j], cells[k]];
  }
  const X = mat(observed, rows * cols, new Array(observed * rows * cols).fill(0));
  cells.slice(0, observed).forEach((cell, i) => (X.data[i * rows * cols + cell] = 1));
  const model = deepLinearNet({ rows, cols, depth, width: Math.min(rows, cols), init: 'balanced', scale, detSign: 'any' });
  return { model, X, y: random(observed), theta0: model.init(rng.fork(`dl-${rows}-${depth}`)) };
}

function twoLayer(n: number, d: number, width: number): Omit<Problem, 'name' | 'dynamics'> {
  const model = twoLayerNet({
    d,
    width,
    activation: leakyRelu(0),
    trainOutput: true,
    wScale: 1 / Math.sqrt(d),
    vScale: 1 / Math.sqrt(width),
    vInit: 'gaussian',
  });
  const X = mat(
    n,
    d,
    Array.from(random(n * d), (v) => v / Math.sqrt(d)),
  );
  return { model, X, y: random(n), theta0: model.init(rng.fork(`2l-${n}-${d}`)) };
}

// Razin & Cohen's problem: the 2×2 matrix with entries (1,2), (2,1), (2,2) observed as 1, 1, 0
const razin = (() => {
  const model = deepLinearNet({ rows: 2, cols: 2, depth: 2, width: 2, init: 'balanced', scale: 0.1, detSign: 'positive' });
  const X = mat(3, 4, [0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1]);
  return { model, X, y: Float64Array.from([1, 1, 0]), theta0: model.init(rng.fork('razin')) };
})();
const problems: Problem[] = [
  { name: 'deep linear 2×2, L=2, 3 entries', ...razin, dynamics: { kind: 'flow', time: 50, rtol: 1e-8 } },
  { name: 'deep linear 10×10, L=3, 40 entries', ...completion(10, 10, 3, 40, 0.5), dynamics: { kind: 'flow', time: 20, rtol: 1e-8 } },
  { name: 'two-layer ReLU n=4 d=2 m=2', ...twoLayer(4, 2, 2), dynamics: { kind: 'gd', steps: 2000, eta: 0.01 } },
  { name: 'two-layer ReLU n=40 d=20 m=20', ...twoLayer(40, 20, 20), dynamics: { kind: 'gd', steps: 200, eta: 0.01 } },
];

const row = (name: string, f64: number, dd: number) =>
  console.log(`${name.padEnd(66)}${f64.toFixed(3).padStart(12)}${dd.toFixed(3).padStart(19)}${(dd / f64).toFixed(1).padStart(8)}×`);
console.log(`\n${'square loss (sum), per call or per step'.padEnd(66)}${'float64 µs'.padStart(12)}${'double-double µs'.padStart(19)}   ratio`);
for (const p of problems) {
  const obj = objective(p.model, squareLoss, p.X, p.y, 'sum');
  const ddModel = p.model.dd!();
  const ddObj = ddObjective(ddModel, squareLoss.dd!, p.X, p.y, 'sum');
  const grad = new Float64Array(obj.nParams);
  const thetaDD = ddVecFrom(p.theta0),
    gradDD = ddVec(obj.nParams);
  row(
    `${p.name}: value and gradient`,
    perCall(() => obj.valueAndGrad(p.theta0, grad)),
    perCall(() => ddObj.valueAndGrad(thetaDD, gradDD)),
  );
  const dyn = p.dynamics;
  const ddProblem = { objective: ddObj, model: ddModel };
  if (dyn.kind === 'flow') {
    const accepted: number[] = [];
    const o = { time: dyn.time, rtol: dyn.rtol, atol: dyn.rtol, maxSteps: 1e6 };
    gradientFlow(obj, p.theta0, { ...o, acceptedSteps: accepted });
    const steps = accepted.length;
    row(
      `${p.name}: Dormand–Prince step (${steps} steps)`,
      perCall(() => gradientFlow(obj, p.theta0, o)) / steps,
      perCall(() => ddGradientFlow(ddProblem, p.theta0, { ...o, steps: accepted })) / steps,
    );
  } else {
    row(
      `${p.name}: gradient-descent step`,
      perCall(() => gradientDescent(obj, p.theta0, dyn)) / dyn.steps,
      perCall(() => ddGradientDescent(ddProblem, p.theta0, dyn)) / dyn.steps,
    );
  }
}
