// The training workloads' peers (T1, T2), page side: one f-EBM training
// iteration (Algorithm 1 of docs/method.md, the T1 and T2 workloads of
// bench/WORKLOADS.md) written the way users of TensorFlow.js and jax-js
// write it. Loaded on demand by bench/training/training.jobs.ts (dynamic
// import), so that our own figures never need these packages.
//
// One iteration, in both: draw the data batch (uniform rows of the data set,
// the library's random integers and gather); K Langevin steps (the
// workload's update, as the Langevin peers write it) of the persistent
// chains with the input gradient of E by autodiff (as L1 and L2); then the training
// step on x = [data; samples]:
//   H step: ascend L(v) = mean g(v_data) - mean c(v_samples), v = H(x) + E(x),
//           E(x) held constant; the library's autodiff and Adam.
//   E step: with the updated H, descend L plus the covariance (score-function)
//           term mean_j (c(v'_j) - mean c(v')) E(x'_j), whose weights carry no
//           gradient, so that the gradient is the one docs/method.md states:
//           mean g'(v) dE(x) - mean c'(v') dE(x') + Cov_q(c(v'), dE(x')).
// Jensen-Shannon (f-GAN form): g(v) = log 2 - softplus(-v), c(v) = softplus(v) - log 2.
//
// TensorFlow.js: tf.variable weights, tf.variableGrads, tf.train.adam; it has
// no stop-gradient, so the covariance weights are computed outside the
// differentiated function, where they are constants. jax-js: valueAndGrad with
// lax.stopGradient on the covariance weights, the whole training step in one
// jit; jax-js publishes no optimiser package to the npm registry (its optax
// port is not there), so Adam is written by hand over the parameter tree, as
// its users do.

import type { Scalar, Tensor, Tensor2D, Variable } from '@tensorflow/tfjs-core';
import type { DenseLayer } from '../../src/index';
import { loadJax, loadTfjs } from '../langevin/peers';
import type { LangevinUpdate } from '../langevin/spec';
import { TRAINING, type TrainingSize } from './spec';

export interface TrainingPeerModel {
  /** E's and H's dense layers (W: fanOut rows of fanIn). */
  layersE: DenseLayer[];
  layersH: DenseLayer[];
  size: TrainingSize;
  update: LangevinUpdate;
  /** For tests only: the E step without the covariance term (a wrong gradient the check must reject). */
  omitCovariance?: boolean;
}

/** One training step's results (gradients of the objectives as docs/method.md defines them). */
export interface TrainingPeerUpdate {
  /** L before the H step. */
  hObjective: number;
  /** L with the updated H (the E step's objective, without the covariance term's value). */
  eObjective: number;
  /** Gradient of L in H's parameters (the ascent direction). */
  gradH: DenseLayer[];
  /** Gradient of the E step's objective in E's parameters, covariance term included. */
  gradE: DenseLayer[];
  paramsH: DenseLayer[];
  paramsE: DenseLayer[];
}

export interface TrainingPeer {
  impl: string;
  /** One H step then one E step (fresh Adam state: its first step) on the given data batch and negatives, [B][d] and [N][d]. */
  update(data: Float32Array, samples: Float32Array): Promise<TrainingPeerUpdate>;
  /** The data set batches are drawn from, and the chains. */
  setData(dataset: Float32Array, chains: Float32Array): void;
  /** Runs `count` whole iterations (with `steps` Langevin steps each, default K) and waits until the last one is done (one small readback). */
  iterate(count: number, steps?: number): Promise<void>;
  dispose(): void;
}

const transposeRows = (flat: ArrayLike<number>, rows: number, cols: number): number[][] =>
  // flat is [rows][cols] row-major; returns [cols][rows].
  Array.from({ length: cols }, (_, j) => Array.from({ length: rows }, (_, i) => flat[i * cols + j]));

/** Dense layers from weights kept as users keep them: w = W^T, [fanIn][fanOut] row-major. */
function denseFrom(ws: { w: ArrayLike<number>; b: ArrayLike<number> }[], layers: DenseLayer[], sign = 1): DenseLayer[] {
  return ws.map((x, l) => {
    const fanOut = layers[l].W.length;
    const fanIn = layers[l].W[0].length;
    return { W: transposeRows(x.w, fanIn, fanOut).map((r) => r.map((v) => sign * v)), b: Array.from(x.b, (v) => sign * v) };
  });
}

// ---- TensorFlow.js

export async function tfjsTraining(backend: 'webgpu' | 'wasm', model: TrainingPeerModel): Promise<TrainingPeer> {
  const tf = await loadTfjs(backend);
  const { batch: B, steps: K } = model.size;
  const { lr, beta1, beta2, eps } = TRAINING.adam;
  const u = model.update;
  const d = model.layersE[0].W[0].length;
  // Weights as users keep them: W^T (fanIn x fanOut) so that h W + b is one matMul.
  const net = (layers: DenseLayer[]) =>
    layers.map((L, l) => ({
      w: tf.variable(tf.tidy(() => tf.transpose(tf.tensor2d(L.W.flat(), [L.W.length, L.W[0].length])))),
      b: tf.variable(tf.tensor1d(L.b)),
    }));
  const E = net(model.layersE);
  const H = net(model.layersH);
  const varsE: Variable[] = E.flatMap((p) => [p.w, p.b]);
  const varsH: Variable[] = H.flatMap((p) => [p.w, p.b]);
  /** The network's scalar output per row of x, shape [n]. */
  const apply = (p: typeof E, x: Tensor): Tensor => {
    let h = x;
    p.forEach((q, l) => {
      const z = tf.add(tf.matMul(h as Tensor2D, q.w as Tensor as Tensor2D), q.b);
      h = l + 1 < p.length ? tf.mul(z, tf.sigmoid(z)) : z; // SiLU
    });
    return tf.reshape(h, [-1]);
  };
  const g = (v: Tensor) => tf.sub(Math.LN2, tf.softplus(tf.neg(v)));
  const c = (v: Tensor) => tf.sub(tf.softplus(v), Math.LN2);
  /** L(v) = mean g(v_data) - mean c(v_samples); v holds the data rows first. */
  const objective = (v: Tensor) => tf.sub(tf.mean(g(tf.slice(v, 0, B))), tf.mean(c(tf.slice(v, B)))) as Scalar;
  let optH = tf.train.adam(lr, beta1, beta2, eps);
  let optE = tf.train.adam(lr, beta1, beta2, eps);
  const gradE = tf.grad((x: Tensor) => tf.sum(apply(E, x)));

  /** The training step on x = [data; samples]; returns the objectives and gradients (kept) when `keep`, else nothing. */
  const trainStep = (x: Tensor, keep: boolean) => {
    // H step: E(x) is a constant here.
    const eAll = tf.tidy(() => apply(E, x));
    const hStep = tf.variableGrads(() => tf.neg(objective(tf.add(apply(H, x), eAll))) as Scalar, varsH);
    optH.applyGradients(hStep.grads as Parameters<typeof optH.applyGradients>[0]);
    // E step with the updated H: H(x) and the covariance weights c(v') - mean c(v') are constants.
    const [hAll, cw] = tf.tidy(() => {
      const h = apply(H, x);
      const cs = c(tf.slice(tf.add(h, eAll), B));
      return [h, tf.sub(cs, tf.mean(cs))];
    });
    let lE: Tensor | null = null;
    const eStep = tf.variableGrads(() => {
      const e = apply(E, x);
      const L = objective(tf.add(hAll, e));
      if (keep) lE = tf.keep(tf.clone(L));
      return (model.omitCovariance ? L : tf.add(L, tf.mean(tf.mul(cw, tf.slice(e, B))))) as Scalar;
    }, varsE);
    optE.applyGradients(eStep.grads as Parameters<typeof optE.applyGradients>[0]);
    tf.dispose([eAll, hAll, cw]);
    if (!keep) {
      tf.dispose([hStep.value, eStep.value, hStep.grads, eStep.grads]);
      return null;
    }
    eStep.value.dispose();
    return { lH: tf.neg(hStep.value), lE: lE!, gradsH: hStep.grads, gradsE: eStep.grads, negH: hStep.value };
  };

  let dataset: Tensor | null = null;
  let rows = 0;
  let chains: Tensor | null = null;
  const read = async (t: Tensor) => (await t.data()) as Float32Array;
  return {
    impl: `tfjs-${backend}`,
    async update(data, samples) {
      optH.dispose();
      optE.dispose();
      optH = tf.train.adam(lr, beta1, beta2, eps);
      optE = tf.train.adam(lr, beta1, beta2, eps);
      const x = tf.tidy(() => tf.concat([tf.tensor2d(data, [data.length / d, d]), tf.tensor2d(samples, [samples.length / d, d])]));
      const r = trainStep(x, true)!;
      x.dispose();
      const layers = async (tensors: Tensor[]) => {
        const flat = await Promise.all(tensors.map(read));
        return flat.flatMap((w, i) => (i % 2 ? [] : [{ w, b: flat[i + 1] }]));
      };
      const out: TrainingPeerUpdate = {
        hObjective: (await read(r.lH))[0],
        eObjective: (await read(r.lE))[0],
        // variableGrads differentiated -L for H (Adam minimises): the gradient of L is its negative.
        gradH: denseFrom(await layers(varsH.map((v) => r.gradsH[v.name])), model.layersH, -1),
        gradE: denseFrom(await layers(varsE.map((v) => r.gradsE[v.name])), model.layersE),
        paramsH: denseFrom(await layers(varsH), model.layersH),
        paramsE: denseFrom(await layers(varsE), model.layersE),
      };
      tf.dispose([r.lH, r.lE, r.negH, r.gradsH, r.gradsE]);
      return out;
    },
    setData(set, x0) {
      dataset?.dispose();
      chains?.dispose();
      rows = set.length / d;
      dataset = tf.tensor2d(set, [rows, d]);
      chains = tf.tensor2d(x0, [x0.length / d, d]);
    },
    async iterate(count, steps = K) {
      for (let it = 0; it < count; it++) {
        const xd = tf.tidy(() => tf.gather(dataset!, tf.randomUniform([B], 0, rows, 'int32')));
        for (let k = 0; k < steps; k++) {
          const next = tf.tidy(() => {
            const x = chains!;
            if (u.kind === 'ula') return tf.add(tf.sub(x, tf.mul(gradE(x), u.eta / 2)), tf.mul(tf.randomNormal(x.shape), Math.sqrt(u.eta)));
            const y = tf.add(x, tf.mul(tf.randomNormal(x.shape), u.noiseStd));
            const g = tf.clipByValue(gradE(y), -u.gradClip, u.gradClip);
            return tf.clipByValue(tf.sub(y, tf.mul(g, u.stepSize)), u.box[0], u.box[1]);
          });
          chains!.dispose();
          chains = next;
        }
        const x = tf.concat([xd, chains!]);
        trainStep(x, false);
        tf.dispose([x, xd]);
      }
      // E's output bias is the last value the iteration writes; reading it waits for everything before it.
      await read(varsE[varsE.length - 1]);
    },
    dispose() {
      tf.dispose([dataset, chains].filter((t): t is Tensor => t !== null));
      tf.dispose(varsE);
      tf.dispose(varsH);
      optH.dispose();
      optE.dispose();
    },
  };
}

// ---- jax-js

export async function jaxTraining(model: TrainingPeerModel, seed: number): Promise<TrainingPeer> {
  const jax = await loadJax();
  const { numpy: np, nn, random, lax, tree, jit, grad, valueAndGrad } = jax;
  type Arr = InstanceType<typeof jax.Array>;
  type Net = { w: Arr[]; b: Arr[] };
  type AdamState = { m: Net; v: Net; t: Arr };
  const { batch: B, chains: N, steps: K } = model.size;
  const { lr, beta1, beta2, eps } = TRAINING.adam;
  const u = model.update;
  const d = model.layersE[0].W[0].length;
  const toNet = (layers: DenseLayer[]): Net => ({
    w: layers.map((L) => np.array(new Float32Array(L.W.flat())).reshape([L.W.length, L.W[0].length]).transpose()),
    b: layers.map((L) => np.array(new Float32Array(L.b))),
  });
  const zerosLike = (p: Net): Net => tree.map((a: Arr) => np.zerosLike(a), p) as Net;
  const freshAdam = (p: Net): AdamState => ({ m: zerosLike(tree.ref(p)), v: zerosLike(tree.ref(p)), t: np.zeros([]) });

  // jax-js functions take ownership of their arguments: .ref (tree.ref) keeps one for later use.
  const apply = (p: Net, x: Arr): Arr => {
    let h = x;
    p.w.forEach((w, l) => {
      const z = np.matmul(h, w).add(p.b[l]);
      h = l + 1 < p.w.length ? nn.silu(z) : z;
    });
    return h.reshape([-1]);
  };
  const g = (v: Arr) => nn.softplus(v.neg()).neg().add(Math.LN2);
  const c = (v: Arr) => nn.softplus(v).sub(Math.LN2);
  const objective = (v: Arr) => g(v.ref.slice([0, B])).mean().sub(c(v.slice([B])).mean());
  const lossH = (pH: Net, x: Arr, eAll: Arr) => objective(apply(pH, x).add(eAll)).neg();
  const lossE = (pE: Net, x: Arr, hAll: Arr): [Arr, Arr] => {
    const e = apply(pE, x);
    const v = hAll.add(e.ref);
    const cs = lax.stopGradient(c(v.ref.slice([B])));
    const cw = cs.ref.sub(cs.mean());
    const L = objective(v);
    if (model.omitCovariance) {
      tree.dispose([cw, e]);
      return [L.ref, L];
    }
    return [L.ref.add(cw.mul(e.slice([B])).mean()), L];
  };
  /** Adam (bias-corrected), by hand over the parameter tree; the step count lives in the state. */
  const adam = (p: Net, gr: Net, s: AdamState): { p: Net; s: AdamState } => {
    const t = s.t.add(1);
    const c1 = np.exp(t.ref.mul(Math.log(beta1))).neg().add(1); // 1 - beta1^t
    const c2 = np.exp(t.ref.mul(Math.log(beta2))).neg().add(1); // 1 - beta2^t
    const m = tree.map((mi: Arr, gi: Arr) => mi.mul(beta1).add(gi.mul(1 - beta1)), s.m, tree.ref(gr)) as Net;
    const v = tree.map((vi: Arr, gi: Arr) => vi.mul(beta2).add(gi.ref.mul(gi).mul(1 - beta2)), s.v, gr) as Net;
    const next = tree.map(
      (pi: Arr, mi: Arr, vi: Arr) => pi.sub(mi.div(c1.ref).mul(lr).div(np.sqrt(vi.div(c2.ref)).add(eps))),
      p, tree.ref(m), tree.ref(v),
    ) as Net;
    c1.dispose();
    c2.dispose();
    return { p: next, s: { m, v, t } };
  };
  /** The training step on x = [data; samples], one compiled function. */
  const trainStep = jit((pE: Net, pH: Net, sE: AdamState, sH: AdamState, xd: Arr, xs: Arr) => {
    const x = np.concatenate([xd, xs]);
    const eAll = apply(tree.ref(pE), x.ref);
    const [negL, gH] = valueAndGrad(lossH)(tree.ref(pH), x.ref, eAll);
    const h = adam(pH, tree.ref(gH), sH);
    const hAll = apply(tree.ref(h.p), x.ref);
    const [[, lE], gE] = valueAndGrad(lossE, { hasAux: true })(tree.ref(pE), x, hAll);
    const e = adam(pE, tree.ref(gE), sE);
    return { pE: e.p, pH: h.p, sE: e.s, sH: h.s, negLH: negL, lE, gH, gE };
  });
  const energySum = (x: Arr, p: Net) => apply(p, x).sum();
  const langevinStep = jit((x: Arr, key: Arr, p: Net) => {
    const noise = random.normal(key, x.shape);
    if (u.kind === 'ula') return x.sub(grad(energySum)(x.ref, p).mul(u.eta / 2)).add(noise.mul(Math.sqrt(u.eta)));
    const y = x.add(noise.mul(u.noiseStd));
    const g = np.clip(grad(energySum)(y.ref, p), -u.gradClip, u.gradClip);
    return np.clip(y.sub(g.mul(u.stepSize)), u.box[0], u.box[1]);
  });
  let key = random.key(seed);
  const nextKey = () => {
    const keys = random.split(key, 2);
    key = keys.ref.slice(0);
    return keys.slice(1);
  };
  // Uniform rows of the data set (its row count is static: part of the traced shape).
  const draw = jit((set: Arr, k: Arr) => np.take(set, random.randint(k, { minval: 0, maxval: set.shape[0], shape: [B] }), 0));

  let pE = toNet(model.layersE);
  let pH = toNet(model.layersH);
  let sE = freshAdam(pE);
  let sH = freshAdam(pH);
  let dataset: Arr | null = null;
  let chains: Arr | null = null;
  const read = async (a: Arr) => (await a.data()) as Float32Array;
  const readNet = async (p: Net) => Promise.all(p.w.map(async (w, l) => ({ w: await read(w.ref), b: await read(p.b[l].ref) })));
  return {
    impl: 'jax-js-webgpu',
    async update(data, samples) {
      tree.dispose([sE, sH]);
      sE = freshAdam(pE);
      sH = freshAdam(pH);
      const r = trainStep(pE, pH, sE, sH, np.array(data).reshape([data.length / d, d]), np.array(samples).reshape([samples.length / d, d]));
      ({ pE, pH, sE, sH } = r);
      const out: TrainingPeerUpdate = {
        hObjective: -(await read(r.negLH))[0],
        eObjective: (await read(r.lE))[0],
        // valueAndGrad differentiated -L for H (Adam minimises): the gradient of L is its negative.
        gradH: denseFrom(await readNet(r.gH), model.layersH, -1),
        gradE: denseFrom(await readNet(r.gE), model.layersE),
        paramsH: denseFrom(await readNet(pH), model.layersH),
        paramsE: denseFrom(await readNet(pE), model.layersE),
      };
      tree.dispose([r.gH, r.gE]);
      return out;
    },
    setData(set, x0) {
      tree.dispose([dataset, chains]);
      dataset = np.array(set).reshape([set.length / d, d]);
      chains = np.array(x0).reshape([N, d]);
    },
    async iterate(count, steps = K) {
      for (let it = 0; it < count; it++) {
        const xd = draw(dataset!.ref, nextKey());
        for (let k = 0; k < steps; k++) chains = langevinStep(chains!, nextKey(), tree.ref(pE));
        const r = trainStep(pE, pH, sE, sH, xd, chains!.ref);
        ({ pE, pH, sE, sH } = r);
        tree.dispose([r.negLH, r.lE, r.gH, r.gE]);
      }
      await jax.blockUntilReady([pE, pH, sE, sH, chains!]);
    },
    dispose() {
      tree.dispose([pE, pH, sE, sH, dataset, chains, key]);
      trainStep.dispose();
      langevinStep.dispose();
      draw.dispose();
    },
  };
}
