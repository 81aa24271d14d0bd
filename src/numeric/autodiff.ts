// An independent gradient for the two-layer net by TensorFlow.js automatic differentiation.
// float32 only (TensorFlow.js has no float64), so it is a cross-check of our hand-derived
// float64 gradients, never the judge. @tensorflow/tfjs-node is used when it installed (its
// install script downloads libtensorflow, which fails offline); otherwise @tensorflow/tfjs with
// the wasm backend (then cpu), through the same code path.
import type * as TF from '@tensorflow/tfjs';

let tfPromise: Promise<{ tf: typeof TF; backend: string }> | undefined;

async function importOptional(name: string): Promise<unknown | undefined> {
  try {
    return await import(name);
  } catch {
    return undefined;
  }
}

export function loadTensorFlow(): Promise<{ tf: typeof TF; backend: string }> {
  tfPromise ??= (async () => {
    const node = (await importOptional('@tensorflow/tfjs-node')) as typeof TF | undefined;
    if (node) return { tf: node, backend: 'tensorflow (tfjs-node)' };
    const tf = (await import('@tensorflow/tfjs')) as typeof TF;
    try {
      await import('@tensorflow/tfjs-backend-wasm');
      if (await tf.setBackend('wasm')) {
        await tf.ready();
        return { tf, backend: 'wasm (@tensorflow/tfjs)' };
      }
    } catch {
      /* fall through to cpu */
    }
    await tf.setBackend('cpu');
    await tf.ready();
    return { tf, backend: 'cpu (@tensorflow/tfjs)' };
  })();
  return tfPromise;
}

export interface TwoLayerGradientInput {
  X: number[][];
  y: number[];
  W: number[][];
  v: number[];
  gamma: number;
  loss: 'square' | 'logistic' | 'exponential';
  reduction: 'sum' | 'mean';
}

/** ∇_W and ∇_v of Σ_i ℓ(Σ_j v_j φ(⟨w_j, x_i⟩), y_i) (or the mean), by tf.grads. */
export async function twoLayerGradientTf(o: TwoLayerGradientInput): Promise<{ gW: number[][]; gv: number[]; backend: string }> {
  const { tf, backend } = await loadTensorFlow();
  const X = tf.tensor2d(o.X),
    y = tf.tensor1d(o.y),
    W = tf.tensor2d(o.W),
    v = tf.tensor1d(o.v);
  const f = (Wt: TF.Tensor, vt: TF.Tensor): TF.Scalar => {
    const z = tf.matMul(X, Wt as TF.Tensor2D, false, true); // n×m
    const h = o.gamma === 0 ? tf.relu(z) : tf.leakyRelu(z, o.gamma);
    const p = tf.squeeze(tf.matMul(h, tf.reshape(vt, [-1, 1])), [1]);
    let l: TF.Tensor;
    if (o.loss === 'square') l = tf.mul(0.5, tf.square(tf.sub(p, y)));
    else if (o.loss === 'logistic') l = tf.softplus(tf.neg(tf.mul(y, p)));
    else l = tf.exp(tf.neg(tf.mul(y, p)));
    return (o.reduction === 'mean' ? tf.mean(l) : tf.sum(l)) as TF.Scalar;
  };
  const [gW, gv] = tf.grads(f)([W, v]);
  const out = { gW: (await gW.array()) as number[][], gv: (await gv.array()) as number[], backend };
  tf.dispose([X, y, W, v, gW, gv]);
  return out;
}
