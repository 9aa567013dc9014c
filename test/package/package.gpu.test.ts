// The npm package as a user gets it: `npm pack` of this repository (prepack
// builds dist/), installed into a scratch project from the tarball. Checks
// what it carries; that its types pass tsc with moduleResolution bundler and
// nodenext (declarations checked too: skipLibCheck off); that plain Node
// imports both entry points without a GPU and without asking for an
// adapter; that Vite builds a page importing the library and a standalone
// kernel; and that the installed command answers --help, refuses an unknown
// option with 2, and trains (its prebuilt jobs page, served by its own
// server, in the runner's Chromium: hence a GPU test).
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeCheckpoint } from '../../src/index';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const TSC = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
const VITE = join(ROOT, 'node_modules', 'vite', 'bin', 'vite.js');

let dir: string;
let app: string;
let files: string[];

const run = (cmd: string, args: string[], cwd: string, timeout = 120_000) => {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', timeout, env: { ...process.env, npm_config_audit: 'false', npm_config_fund: 'false' } });
  return { code: r.status, out: `${r.stdout ?? ''}${r.stderr ?? ''}`, stdout: r.stdout ?? '' };
};

const CONSUMER = `import { requestGpu, MlpProgram, Trainer, LangevinSampler, paramLayout, initParams, ConfigError, type MlpSpec, type TrainerConfig, type Gpu } from 'febm-gpu';
import { standaloneKernels, composeShader, reflectShader, packedLayers, scratchRegions, type StandaloneKernel } from 'febm-gpu/kernels';
const config: TrainerConfig = {
  energy: { inputDim: 2, hidden: [8], activation: 'silu' }, optimizerE: { kind: 'adam', lr: 0.01 }, batch: 16, sampler: { kind: 'ula', steps: 2, eta: 0.01 },
};
export async function start(): Promise<Gpu> {
  const gpu = await requestGpu();
  const spec: MlpSpec = { inputDim: 2, hidden: [4], activation: 'silu' };
  await MlpProgram.create(gpu, spec, 16);
  const theta: Float32Array = initParams(paramLayout(spec), 1);
  void theta; void Trainer; void LangevinSampler; void config;
  return gpu;
}
export const checked: boolean = new ConfigError('x', 'y') instanceof Error;
const kernels: StandaloneKernel[] = standaloneKernels();
export const count: number = kernels.length + reflectShader(composeShader('mlp_forward.wgsl')).bindings.length
  + scratchRegions(packedLayers([2, 4, 1]).layers, 16, 4, { MLP_CHAINS: 16 }).vec4s;
`;

const tsconfig = (module: string, moduleResolution: string) => JSON.stringify({
  compilerOptions: { target: 'ES2022', module, moduleResolution, strict: true, noEmit: true, skipLibCheck: false, lib: ['ES2022', 'DOM'], types: [] },
  files: ['consumer.ts'],
});

describe('the npm package, packed and installed into a scratch project', () => {
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'febm-package-'));
    const t0 = Date.now();
    const pack = run('npm', ['pack', '--pack-destination', dir], ROOT, 180_000);
    expect(pack.code, pack.out).toBe(0);
    const tarball = readdirSync(dir).find((f) => f.endsWith('.tgz'))!;
    files = execFileSync('tar', ['tzf', join(dir, tarball)], { encoding: 'utf8' }).split('\n').filter(Boolean).map((f) => f.replace(/^package\//, ''));
    app = join(dir, 'app');
    mkdirSync(app);
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'scratch', private: true, type: 'module' }));
    const install = run('npm', ['install', '--prefer-offline', join(dir, tarball)], app, 180_000);
    expect(install.code, install.out).toBe(0);
    console.log(`packed (prepack: the build) and installed in ${((Date.now() - t0) / 1000).toFixed(0)} s: ${files.length} files`);
  }, 360_000);

  it('carries the library (ESM), its types, the raw shaders, the standalone kernels, the command and the Python reader', () => {
    for (const f of [
      'dist/lib/index.js', 'dist/lib/kernels.js', 'dist/types/src/index.d.ts', 'dist/types/src/kernels.d.ts', 'shaders/langevin.wgsl',
      'dist/wgsl/langevin.lgv_sample.wgsl', 'dist/wgsl/langevin.lgv_sample.subgroups.wgsl', 'dist/wgsl/langevin.lgv_sample.json', 'dist/wgsl/index.json',
      'dist/wgsl/mlp-layout.js', 'dist/wgsl/mlp-layout.d.ts', 'dist/cli/febm-gpu.js', 'dist/page/harness/index.html', 'bin/febm-gpu.mjs',
      'python/febm_gpu.py',
    ]) expect(files, f).toContain(f);
    // Every standalone kernel's files, as its index lists them.
    const index = JSON.parse(readFileSync(join(app, 'node_modules', 'febm-gpu', 'dist', 'wgsl', 'index.json'), 'utf8'));
    expect(index.kernels.length).toBeGreaterThanOrEqual(20);
    for (const k of index.kernels) for (const f of [...Object.values(k.files as Record<string, string>), k.interface]) expect(files).toContain(`dist/wgsl/${f}`);
    // Nothing of the repository's sources, tests or tools.
    expect(files.filter((f) => /^(src|test|cli|harness|bench|experiments|demo|build)\//.test(f))).toEqual([]);
  });

  it.each([
    ['bundler', 'ESNext', 'bundler'],
    ['nodenext', 'nodenext', 'nodenext'],
  ])('tsc passes with moduleResolution %s (declarations checked)', (name, module, resolution) => {
    writeFileSync(join(app, 'consumer.ts'), CONSUMER);
    writeFileSync(join(app, `tsconfig.${name}.json`), tsconfig(module, resolution));
    const r = run(process.execPath, [TSC, '-p', `tsconfig.${name}.json`], app);
    expect(r.out).toBe('');
    expect(r.code).toBe(0);
  });

  it('imports in plain Node without a GPU, and asks for no adapter at import time', () => {
    const script = `
      let asked = 0;
      Object.defineProperty(globalThis, 'navigator', { configurable: true, value: { gpu: { requestAdapter: async () => { asked++; return null; } } } });
      const lib = await import('febm-gpu');
      const kernels = await import('febm-gpu/kernels');
      const layout = await import('febm-gpu/wgsl/mlp-layout.js');
      console.log(JSON.stringify({ asked, lib: typeof lib.requestGpu, trainer: typeof lib.Trainer, kernels: kernels.standaloneKernels().length, layout: layout.packedLayers([2, 8, 1]).size }));
    `;
    const r = run(process.execPath, ['--input-type=module', '-e', script], app);
    expect(r.code, r.out).toBe(0);
    const got = JSON.parse(r.stdout.trim().split('\n').at(-1)!);
    expect(got).toMatchObject({ asked: 0, lib: 'function', trainer: 'function', layout: 8 * 4 + 8 + 4 * 8 + 4 });
    expect(got.kernels).toBeGreaterThanOrEqual(20);
  });

  it('Vite builds a page that imports the library and one standalone kernel', () => {
    const web = join(app, 'web');
    mkdirSync(web, { recursive: true });
    writeFileSync(join(web, 'index.html'), '<!doctype html><html><body><script type="module" src="./main.ts"></script></body></html>\n');
    writeFileSync(join(web, 'main.ts'), [
      "import { paramLayout, requestGpu } from 'febm-gpu';",
      "import lgvSample from 'febm-gpu/wgsl/langevin.lgv_sample.wgsl?raw';",
      "import lgvInterface from 'febm-gpu/wgsl/langevin.lgv_sample.json';",
      "document.body.textContent = `${paramLayout({ inputDim: 2, hidden: [8], activation: 'silu' }).size} ${lgvSample.length} ${lgvInterface.entryPoint}`;",
      'void requestGpu;',
    ].join('\n'));
    const r = run(process.execPath, [VITE, 'build', 'web', '--outDir', '../web-dist', '--emptyOutDir', '--logLevel', 'warn'], app);
    expect(r.code, r.out).toBe(0);
    const assets = join(app, 'web-dist', 'assets');
    const js = readdirSync(assets).filter((f) => f.endsWith('.js')).map((f) => readFileSync(join(assets, f), 'utf8')).join('\n');
    // The kernel's text, and the library's code behind paramLayout (its refusal message survives minification).
    expect(js).toContain('fn lgv_sample(');
    expect(js).toContain('hidden widths');
  });

  it('npx febm-gpu: --help lists the commands and every option with its default; an unknown option exits 2 naming the options', () => {
    const help = run('npx', ['febm-gpu', '--help'], app);
    expect(help.code, help.out).toBe(0);
    for (const c of ['train', 'reproduce', 'bench', 'job']) expect(help.out).toMatch(new RegExp(`^  ${c} `, 'm'));
    expect(help.out).toMatch(/130 +interrupted/);
    const train = run('npx', ['febm-gpu', 'train', '--help'], app);
    expect(train.code).toBe(0);
    for (const o of ['--out DIR', '--resume CHECKPOINT', '--iterations N', '--checkpoint-minutes M', '--checkpoint-every N']) expect(train.out).toContain(o);
    expect(train.out.replace(/\n +/g, ' ')).toMatch(/--checkpoint-minutes M .*\(default: the config's checkpointMinutes, else 5\)/);
    const bad = run('npx', ['febm-gpu', 'train', '--fast'], app);
    expect(bad.code).toBe(2);
    expect(bad.out).toContain('--fast: unknown option (options: --out DIR');
  });

  it('npx febm-gpu train trains from the installed package (its prebuilt page), writing the checkpoint and the pictures', () => {
    writeFileSync(join(app, 'run.json'), JSON.stringify({
      energy: { inputDim: 2, hidden: [8], activation: 'silu' }, batch: 16, sampler: { kind: 'ula', steps: 2, eta: 0.01 }, replay: { capacity: 64 },
      metricsEvery: 10, iterationsPerSubmit: 5, data: { toy: 'rings', count: 200, seed: 0 }, iterations: 40, picture: { size: 16, scale: 1 },
    }));
    const r = run('npx', ['febm-gpu', 'train', 'run.json', '--out', 'out'], app, 240_000);
    expect(r.code, r.out).toBe(0);
    expect(r.out).toMatch(/done at iteration 40/);
    expect(decodeCheckpoint(readFileSync(join(app, 'out', 'checkpoint.febm'))).iteration).toBe(40);
    expect(readFileSync(join(app, 'out', 'metrics.jsonl'), 'utf8').trim().split('\n')).toHaveLength(4);
    for (const png of ['density.png', 'samples.png']) expect(readFileSync(join(app, 'out', png)).subarray(1, 4).toString()).toBe('PNG');
  }, 240_000);
});
