// The Langevin workloads' peers (bench/WORKLOADS.md, L1 and L2), page side:
// the same sampling written the way users of TensorFlow.js and jax-js write
// it: the energy as a function of x, its input gradient by the library's
// autodiff, the library's own random normals and clip ops, one array update
// per step. Loaded on demand by bench/langevin/langevin.jobs.ts (dynamic
// import), so that our own figures never need these packages. L1 (ULA):
// x - (eta/2) grad + sqrt(eta) xi; L2 (Du & Mordatch): y = x + s xi,
// x = clip(y - a clip(grad E(y), -c, c), lo, hi).
//
// TensorFlow.js: tf.grad of sum_i E(x_i) (the gradient of a sum of
// independent energies is the per-chain gradient), tf.tidy per step, the
// webgpu or wasm backend. The wasm backend loads its .wasm binaries through
// Vite `?url` imports and setWasmPaths. Without cross-origin isolation
// (COOP/COEP headers) the page has no SharedArrayBuffer, so the wasm backend
// runs its single-threaded SIMD build.
//
// jax-js: grad of the summed energy inside jit, so one step is one compiled
// function; the webgpu device.

import type { DenseLayer } from '../../src/index';
import type { LangevinUpdate } from './spec';

export interface PeerModel {
  /** Dense layers of the MLP [d, w, w, 1] (W: fanOut rows of fanIn). */
  layers: DenseLayer[];
  update: LangevinUpdate;
  steps: number;
}

/** A peer ready to run: step(K) runs K steps from the current chains; read() returns them. */
export interface PeerSampler {
  impl: string;
  /** Energy gradients at given points (for the correctness check), row-major [n][d]. */
  gradient(x: Float32Array, n: number): Promise<Float32Array>;
  /** Sets the chains (row-major [n][d]). */
  setState(x: Float32Array, n: number): void;
  /** Runs K steps and returns the chains on the host (the timed unit: includes the readback). */
  runAndRead(): Promise<Float32Array>;
  dispose(): void;
}

// ---- TensorFlow.js

/** TensorFlow.js with the op gradients registered and the given backend set and ready (also used by bench/training/peers.ts). */
export async function loadTfjs(backend: 'webgpu' | 'wasm'): Promise<typeof import('@tensorflow/tfjs-core')> {
  const tf = await import('@tensorflow/tfjs-core');
  // The gradients of the ops (what the @tensorflow/tfjs umbrella package registers for its users).
  await import('@tensorflow/tfjs-core/dist/register_all_gradients');
  if (backend === 'webgpu') {
    await import('@tensorflow/tfjs-backend-webgpu');
  } else {
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    const [plain, simd, threaded] = await Promise.all([
      import('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url'),
      import('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url'),
      import('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url'),
    ]);
    wasm.setWasmPaths({
      'tfjs-backend-wasm.wasm': plain.default,
      'tfjs-backend-wasm-simd.wasm': simd.default,
      'tfjs-backend-wasm-threaded-simd.wasm': threaded.default,
    });
  }
  if (!(await tf.setBackend(backend))) throw new Error(`TensorFlow.js: backend ${backend} did not initialise`);
  await tf.ready();
  return tf;
}

export async function tfjsSampler(backend: 'webgpu' | 'wasm', model: PeerModel): Promise<PeerSampler> {
  const tf = await loadTfjs(backend);
  const { update, steps } = model;
  const d = model.layers[0].W[0].length;
  // Weights as users keep them: W^T (fanIn x fanOut) so that h W + b is one matMul.
  const params = model.layers.map((L) => ({
    w: tf.transpose(tf.tensor2d(L.W.flat(), [L.W.length, L.W[0].length])),
    b: tf.tensor1d(L.b),
  }));
  const energy = (x: import('@tensorflow/tfjs-core').Tensor2D) => {
    let h = x as import('@tensorflow/tfjs-core').Tensor2D;
    params.forEach((p, l) => {
      const z = tf.add(tf.matMul(h, p.w as import('@tensorflow/tfjs-core').Tensor2D), p.b) as import('@tensorflow/tfjs-core').Tensor2D;
      h = l + 1 < params.length ? tf.mul(z, tf.sigmoid(z)) : z; // SiLU
    });
    return h; // [n, 1]
  };
  const gradE = tf.grad((x: import('@tensorflow/tfjs-core').Tensor) => tf.sum(energy(x as import('@tensorflow/tfjs-core').Tensor2D)));
  let x: import('@tensorflow/tfjs-core').Tensor2D | null = null;
  return {
    impl: `tfjs-${backend}`,
    async gradient(points, n) {
      const g = tf.tidy(() => gradE(tf.tensor2d(points, [n, d])));
      const out = (await g.data()) as Float32Array;
      g.dispose();
      return out;
    },
    setState(points, n) {
      x?.dispose();
      x = tf.tensor2d(points, [n, d]);
    },
    async runAndRead() {
      type T2 = import('@tensorflow/tfjs-core').Tensor2D;
      const step = (x: T2): T2 => {
        if (update.kind === 'ula') {
          return tf.add(tf.sub(x, tf.mul(gradE(x), update.eta / 2)), tf.mul(tf.randomNormal(x.shape), Math.sqrt(update.eta))) as T2;
        }
        const y = tf.add(x, tf.mul(tf.randomNormal(x.shape), update.noiseStd)) as T2;
        const g = tf.clipByValue(gradE(y), -update.gradClip, update.gradClip);
        return tf.clipByValue(tf.sub(y, tf.mul(g, update.stepSize)), update.box[0], update.box[1]) as T2;
      };
      for (let k = 0; k < steps; k++) {
        const next = tf.tidy(() => step(x!));
        x!.dispose();
        x = next;
      }
      return (await x!.data()) as Float32Array;
    },
    dispose() {
      x?.dispose();
      for (const p of params) {
        p.w.dispose();
        p.b.dispose();
      }
    },
  };
}

// ---- jax-js

/** jax-js with its webgpu device as the default (also used by bench/training/peers.ts). */
export async function loadJax(): Promise<typeof import('@jax-js/jax')> {
  const jax = await import('@jax-js/jax');
  const devices = await jax.init('webgpu');
  if (!devices.includes('webgpu')) throw new Error('jax-js: the webgpu device did not initialise');
  jax.defaultDevice('webgpu');
  return jax;
}

export async function jaxSampler(model: PeerModel, seed: number): Promise<PeerSampler> {
  const jax = await loadJax();
  const { numpy: np, nn, random, grad, jit } = jax;
  const { update, steps } = model;
  const d = model.layers[0].W[0].length;
  type Params = { w: InstanceType<typeof jax.Array>[]; b: InstanceType<typeof jax.Array>[] };
  const params: Params = {
    w: model.layers.map((L) => np.array(new Float32Array(L.W.flat())).reshape([L.W.length, L.W[0].length]).transpose()),
    b: model.layers.map((L) => np.array(new Float32Array(L.b))),
  };
  // Summed energy of all chains; jax-js functions take ownership of their arguments (.ref to keep one).
  const energySum = (x: InstanceType<typeof jax.Array>, p: Params) => {
    let h = x;
    p.w.forEach((w, l) => {
      const z = np.matmul(h, w).add(p.b[l]);
      h = l + 1 < p.w.length ? nn.silu(z) : z;
    });
    return h.sum();
  };
  const gradE = jit((x: InstanceType<typeof jax.Array>, p: Params) => grad(energySum)(x, p));
  const step = jit((x: InstanceType<typeof jax.Array>, key: InstanceType<typeof jax.Array>, p: Params) => {
    const noise = random.normal(key, x.shape);
    if (update.kind === 'ula') {
      const g = grad(energySum)(x.ref, p);
      return x.sub(g.mul(update.eta / 2)).add(noise.mul(Math.sqrt(update.eta)));
    }
    const y = x.add(noise.mul(update.noiseStd));
    const g = np.clip(grad(energySum)(y.ref, p), -update.gradClip, update.gradClip);
    return np.clip(y.sub(g.mul(update.stepSize)), update.box[0], update.box[1]);
  });
  let key = random.key(seed);
  let x: InstanceType<typeof jax.Array> | null = null;
  const keep = () => jax.tree.ref(params) as Params;
  return {
    impl: 'jax-js-webgpu',
    async gradient(points, n) {
      const g = gradE(np.array(points).reshape([n, d]), keep());
      return (await g.data()) as Float32Array;
    },
    setState(points, n) {
      x?.dispose();
      x = np.array(points).reshape([n, d]);
    },
    async runAndRead() {
      for (let k = 0; k < steps; k++) {
        const keys = random.split(key, 2);
        const [next, sub] = [keys.ref.slice(0), keys.slice(1)];
        key = next;
        x = step(x!, sub, keep());
      }
      return (await x!.ref.data()) as Float32Array;
    },
    dispose() {
      x?.dispose();
      key.dispose();
      jax.tree.dispose(params);
      step.dispose();
      gradE.dispose();
    },
  };
}

/**
 * Imports every peer module once. Vite's dev server optimises dependencies it
 * first meets at run time and can then answer imports made with an older
 * optimisation hash with 504 (Outdated Optimize Dep); doing all imports here,
 * in a throwaway page, settles that before any peer is measured.
 */
export async function preloadAll(): Promise<void> {
  // tfjs-core first: the gradient registrations read its flags (DEBUG) as they load, and fail before they exist.
  await import('@tensorflow/tfjs-core');
  await Promise.all([
    import('@tensorflow/tfjs-core/dist/register_all_gradients'),
    import('@tensorflow/tfjs-backend-webgpu'),
    import('@tensorflow/tfjs-backend-wasm'),
    import('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url'),
    import('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url'),
    import('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url'),
    import('@jax-js/jax'),
  ]);
}
