// The example page: fetches the standalone kernels and mlp-layout.js (by
// default from the repository's build output, /dist/wgsl/ under `npm run
// demo` after `npm run build`; ?kernels=URL for another place, e.g. an
// installed package's node_modules/febm-gpu/dist/wgsl/), then draws where
// runUla (langevin.ts) moves 1,024 chains on a random 2-D MLP energy.
import { runUla, type KernelInterface, type LiftedKernel, type MlpLayoutModule } from './langevin';

const base = new URL(new URLSearchParams(location.search).get('kernels') ?? '/dist/wgsl/', location.href);
const log = (line: string) => (document.getElementById('log')!.textContent += `${line}\n`);
document.getElementById('base')!.textContent = base.href;

async function lifted(name: string): Promise<LiftedKernel> {
  const [wgsl, iface] = await Promise.all([
    fetch(new URL(`${name}.wgsl`, base)).then((r) => r.text()),
    fetch(new URL(`${name}.json`, base)).then((r) => r.json() as Promise<KernelInterface>),
  ]);
  return { wgsl, iface };
}

async function main() {
  const adapter = await navigator.gpu?.requestAdapter();
  if (!adapter) throw new Error('no WebGPU adapter');
  const device = await adapter.requestDevice();
  const layout = (await import(/* @vite-ignore */ new URL('mlp-layout.js', base).href)) as MlpLayoutModule;
  const [sample, advance] = await Promise.all([lifted('langevin.lgv_sample'), lifted('langevin.lgv_advance')]);
  const sizes = [2, 32, 32, 1];
  // A random network: weights uniform in +-1/sqrt(fan in), zeros in the padding (packedLayers' offsets).
  const packed = layout.packedLayers(sizes) as { layers: { fanIn: number; fanOut: number; inStride: number; weightOffset: number; biasOffset: number }[]; size: number };
  const params = new Float32Array(packed.size);
  for (const L of packed.layers) {
    const bound = 1 / Math.sqrt(L.fanIn);
    for (let j = 0; j < L.fanOut; j++) {
      for (let i = 0; i < L.fanIn; i++) params[L.weightOffset + j * L.inStride + i] = (2 * Math.random() - 1) * bound;
      params[L.biasOffset + j] = (2 * Math.random() - 1) * bound;
    }
  }
  const chains = 1024;
  const initial = Float32Array.from({ length: 2 * chains }, () => 4 * Math.random() - 2);
  const t0 = performance.now();
  const x = await runUla(device, sample, advance, layout, { sizes, activation: 'ACT_SILU', params, chains, steps: 200, eta: 0.01, seed: 1, initial });
  log(`200 ULA steps of ${chains} chains in ${(performance.now() - t0).toFixed(0)} ms (compilation included)`);
  const ctx = (document.getElementById('chains') as HTMLCanvasElement).getContext('2d')!;
  ctx.fillStyle = '#c33';
  for (let i = 0; i < chains; i++) ctx.fillRect(200 + 50 * x[2 * i] - 1, 200 - 50 * x[2 * i + 1] - 1, 2, 2);
}

main().catch((e) => log(`error: ${(e as Error).message}`));
