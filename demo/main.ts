// The demo page: acquire the GPU (saying what is missing when there is none),
// evaluate a seeded random MLP energy on a grid with MlpProgram.forward, and
// draw exp(-E) normalised to its maximum.
import { FebmError, requestGpu, type Gpu } from '../src/index';
import { MlpProgram } from '../src/mlp';
import { initParams, paramLayout, validateMlpSpec, type Activation } from '../src/params';

const GRID = 128;
const EXTENT = 4;
const status = document.querySelector<HTMLParagraphElement>('#status')!;
const canvas = document.querySelector<HTMLCanvasElement>('#density')!;
const input = (id: string) => document.querySelector<HTMLInputElement>(`#${id}`)!;

function show(message: string, error = false) {
  status.textContent = message;
  status.className = error ? 'error' : '';
}

const grid = new Float32Array(GRID * GRID * 2);
for (let r = 0; r < GRID; r++) {
  for (let c = 0; c < GRID; c++) {
    grid[2 * (r * GRID + c)] = -EXTENT + (2 * EXTENT * (c + 0.5)) / GRID;
    grid[2 * (r * GRID + c) + 1] = EXTENT - (2 * EXTENT * (r + 0.5)) / GRID;
  }
}

async function draw(gpu: Gpu) {
  const seed = Number(input('seed').value);
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) throw new FebmError(`seed: must be an integer in [0, 4294967295], got ${input('seed').value}`);
  const width = Number(input('width').value);
  const spec = validateMlpSpec({ inputDim: 2, hidden: [width, width], activation: input('activation').value as Activation });
  const program = await MlpProgram.create(gpu, spec, GRID * GRID);
  const theta = gpu.bufferFrom('theta', initParams(paramLayout(spec), seed));
  const x = gpu.bufferFrom('grid', grid);
  const out = gpu.buffer('energy', GRID * GRID * 4);
  const t0 = performance.now();
  program.run(program.forward({ theta, x, out }));
  const energy = await gpu.readF32(out, GRID * GRID);
  const ms = performance.now() - t0;
  for (const b of [theta, x, out, program.scratchBuffer, program.uniform]) b.destroy();

  // A random network's output is O(1): scale it so the picture has contrast.
  const scaled = energy.map((e) => 4 * e);
  const min = Math.min(...scaled);
  const image = new ImageData(GRID, GRID);
  scaled.forEach((e, i) => {
    const p = Math.exp(-(e - min));
    image.data[4 * i] = 255 * (1 - p) + 30 * p;
    image.data[4 * i + 1] = 255 * (1 - p) + 90 * p;
    image.data[4 * i + 2] = 255 * (1 - p) + 200 * p;
    image.data[4 * i + 3] = 255;
  });
  canvas.getContext('2d')!.putImageData(image, 0, 0);
  const a = gpu.adapter;
  show(`adapter: ${[a.vendor, a.architecture, a.description].filter(Boolean).join(' / ')}${a.isFallbackAdapter ? ' (software fallback)' : ''}\n` +
    `${GRID * GRID} energies of MLP [2,${width},${width},1] in ${ms.toFixed(1)} ms (with readback)`);
}

async function main() {
  let gpu: Gpu;
  try {
    gpu = await requestGpu({ onError: (e) => show(`${e.name}: ${e.message}`, true) });
  } catch (e) {
    show(`${(e as Error).name}: ${(e as Error).message}`, true);
    return;
  }
  const redraw = () => draw(gpu).catch((e) => show(`${(e as Error).name}: ${(e as Error).message}`, true));
  document.querySelector('#draw')!.addEventListener('click', redraw);
  await redraw();
}

void main();
