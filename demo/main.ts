// The demo page: train an energy-based model with f-EBM (or CD) on the user's
// GPU and watch it learn. Acquires the GPU (saying what is missing and what to
// do when there is none), builds the models from the settings (a bad setting
// is refused next to its field and the running model is kept), and trains in
// animation frames: each frame submits a few iterations per model, evaluates
// the heatmaps on the GPU and draws them. GPU work is serialised (one task at
// a time: a frame, a rebuild, a step, a save or a load), so a settings change
// waits for the frame in flight. A lost device keeps the pictures and a host
// copy of the last good parameters, from which training can restart on a new
// device.

import {
  CheckpointError, ConfigError, DataError, DeviceLostError, FebmError, InsecureContextError, LimitError, NoAdapterError,
  NoWebGpuError, requestGpu, Trainer, TrainingDivergedError, type Gpu, type ValidTrainerConfig,
} from '../src/index';
import { drawnData, DRAW_BOX, fileData, MIN_DRAWN, toyData, TOY_DATASETS, TOY_LABELS, type DataSet } from './data';
import { GRID_RESOLUTION, Model } from './model';
import * as settings from './settings';
import { exportPng, ModelView } from './views';

const $ = <T extends HTMLElement = HTMLElement>(id: string): T => document.getElementById(id) as T;
const button = (id: string) => $<HTMLButtonElement>(id);

// ---------------------------------------------------------------- state

let gpu: Gpu | null = null;
let models: Model[] = [];
const views: ModelView[] = [];
let running = false;
let lost = false;
let ready = false;
/** The data the models train on. */
let data: DataSet | null = null;
/** The last data file dropped or chosen. */
let fileSet: DataSet | null = null;
/** Points drawn with the mouse, [x0, y0, x1, y1, ...]. */
const drawn: number[] = [];
/** Host copies of the last good models, kept when the device is lost. */
let kept: { config: ValidTrainerConfig; model: Model }[] = [];
let lastError = '';
/** Iterations per animation frame (the last valid setting). */
let ipf = 2;
/** The key (configurations and data) of the models that run. */
let builtKey = '';
/** Bumped when the drawing or the data file changes. */
let drawVersion = 0;
let fileVersion = 0;

type Phase = 'starting' | 'compiling' | 'ready' | 'running' | 'paused' | 'no-gpu' | 'lost' | 'error';
function phase(p: Phase): void {
  document.body.dataset.phase = p;
}

// ---------------------------------------------------------------- one GPU task at a time

let tail: Promise<unknown> = Promise.resolve();
function exclusive<T>(task: () => Promise<T>): Promise<T> {
  const run = tail.then(task);
  tail = run.catch(() => undefined);
  return run;
}

// ---------------------------------------------------------------- messages

function say(text: string, error = false, action?: { label: string; run: () => void }): void {
  const m = $('message');
  m.textContent = text;
  m.className = error ? 'error' : '';
  if (error) lastError = text;
  if (action) {
    const b = document.createElement('button');
    b.textContent = action.label;
    b.id = 'message-action';
    b.addEventListener('click', action.run);
    m.append(b);
  }
}

function clearFieldErrors(): void {
  for (const e of document.querySelectorAll<HTMLElement>('.field-error')) e.textContent = '';
  for (const e of document.querySelectorAll<HTMLElement>('.field.invalid')) e.classList.remove('invalid');
}

/** Shows `message` next to the input `id`. */
function fieldError(id: string, message: string): void {
  const slot = document.querySelector<HTMLElement>(`.field-error[data-for="${id}"]`);
  if (!slot) {
    say(message, true);
    return;
  }
  slot.textContent = message;
  slot.closest('.field')?.classList.add('invalid');
}

function showConfigError(e: ConfigError, which: 'A' | 'B'): void {
  const id = settings.inputFor(e.field, which);
  fieldError(id ?? 'dataset', which === 'B' ? `second model: ${e.message}` : e.message);
}

/** What to do when there is no usable GPU, by error type. */
function advice(e: unknown): string {
  if (e instanceof InsecureContextError) {
    return `Open the page from http://127.0.0.1:${location.port || 5173}/demo/ or http://localhost:${location.port || 5173}/demo/, or serve it over https.`;
  }
  if (e instanceof NoWebGpuError) {
    return 'Use Chrome or Edge 113 or newer (on Linux, start Chrome with --enable-unsafe-webgpu or enable chrome://flags/#enable-unsafe-webgpu); Safari 26 and Firefox 141 on Windows have WebGPU too.';
  }
  if (e instanceof NoAdapterError) {
    return 'The browser has WebGPU but offers no adapter: look at chrome://gpu (hardware acceleration off, or the GPU blocklisted); --enable-unsafe-webgpu lifts the blocklist.';
  }
  if (e instanceof LimitError) return 'This GPU lacks a limit the kernels need: try another device or browser.';
  if (e instanceof DeviceLostError) return 'Reload the page to get a new device.';
  return 'Reload the page; if it happens again, try another browser.';
}

function gpuStatus(text: string, error = false, what = ''): void {
  const s = $('gpu-status');
  s.textContent = text;
  s.className = error ? 'error' : '';
  if (what) {
    const w = document.createElement('span');
    w.className = 'what';
    w.textContent = `What to do: ${what}`;
    s.append(w);
  }
}

function adapterName(g: Gpu): string {
  const a = g.adapter;
  const name = [a.vendor, a.architecture, a.description].filter(Boolean).join(' / ') || 'unnamed adapter';
  return `${name}${a.isFallbackAdapter ? ' (software fallback)' : ''}`;
}

// ---------------------------------------------------------------- buttons

function updateButtons(): void {
  const usable = gpu !== null && !lost;
  const has = usable && models.length > 0;
  button('start').disabled = !usable || running;
  button('pause').disabled = !usable || !running;
  button('step-once').disabled = !has || running;
  button('reset').disabled = !usable;
  button('save').disabled = !has;
  button('load').disabled = !usable;
  button('export').disabled = views.length === 0;
}

// ---------------------------------------------------------------- data and settings

function currentData(): DataSet {
  const name = settings.value('dataset');
  if (name === 'draw') return drawnData(drawn);
  if (name === 'file') {
    if (!fileSet) throw new ConfigError('dataset', 'drop or choose a data file first');
    return fileSet;
  }
  const seed = Number(settings.value('seed'));
  return toyData(name, Number.isInteger(seed) && seed >= 0 && seed <= 0xffffffff ? seed : 0);
}

/** What identifies the data of the settings (a rebuild happens only when it or a configuration changes). */
function dataKey(): string {
  const name = settings.value('dataset');
  if (name === 'draw') return `draw:${drawVersion}`;
  if (name === 'file') return `file:${fileVersion}`;
  return `toy:${name}:${settings.value('seed')}`;
}

/**
 * Validated configurations of the models the settings ask for, their data,
 * and a key of both; null (with the errors shown next to their fields) if any
 * setting is bad.
 */
function readSettings(): { configs: ValidTrainerConfig[]; set: DataSet; key: string } | null {
  clearFieldErrors();
  let ok = true;
  try {
    ipf = settings.iterationsPerFrame();
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    showConfigError(e, 'A');
    ok = false;
  }
  const configs: ValidTrainerConfig[] = [];
  for (const which of settings.isCompare() ? (['A', 'B'] as const) : (['A'] as const)) {
    try {
      configs.push(settings.readConfig(which));
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      showConfigError(e, which);
      ok = false;
    }
  }
  let set: DataSet | null = null;
  try {
    set = currentData();
  } catch (e) {
    if (!(e instanceof FebmError)) throw e;
    fieldError(e instanceof ConfigError ? (settings.inputFor(e.field) ?? 'dataset') : 'dataset', e.message);
    ok = false;
  }
  return ok && set ? { configs, set, key: `${JSON.stringify(configs)}|${dataKey()}` } : null;
}

/**
 * Rebuilds the models (fresh weights) when the settings name other models or
 * other data than those that run, or always with `force` (Reset). Bad
 * settings are refused next to their fields, and what runs goes on.
 */
function applySettings(force = false): Promise<void> {
  syncForm();
  const read = readSettings();
  if (!read || !gpu || lost) return Promise.resolve();
  if (!force && read.key === builtKey) return Promise.resolve();
  builtKey = read.key;
  return exclusive(() => build(read.configs, read.set)).catch((e) => {
    builtKey = '';
    report(e);
  });
}

async function build(configs: ValidTrainerConfig[], set: DataSet, start: { paramsE?: Float32Array; paramsH?: Float32Array | null; iteration?: number }[] = []): Promise<void> {
  const g = gpu!;
  const t0 = performance.now();
  const first = models.length === 0 && kept.length === 0;
  if (first) {
    phase('compiling');
    say('compiling the GPU kernels (once per page; about half a minute on a software adapter, a second or two on a GPU)…');
  }
  // The new models first: if one cannot be made, the old ones go on.
  const made: Model[] = [];
  try {
    for (const [i, config] of configs.entries()) {
      const s = start[i];
      const history = s?.iteration !== undefined ? kept[i]?.model.history.filter((m) => m.iteration <= s.iteration!) : undefined;
      made.push(await Model.create(g, config, set, { paramsE: s?.paramsE, paramsH: s?.paramsH ?? undefined, iteration: s?.iteration, history }));
    }
  } catch (e) {
    for (const m of made) m.destroy();
    throw e;
  }
  if (!lost) for (const m of models) m.destroy();
  models = made;
  data = set;
  kept = [];
  ensureViews();
  if (first) gpuStatus(`adapter: ${adapterName(g)} · kernels compiled in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  if (!running) say(models[0].iteration > 0 ? '' : 'Press Start to train.');
  phase(running ? 'running' : 'ready');
  ready = true;
  await redraw();
  updateButtons();
}

function ensureViews(): void {
  const host = $('models');
  while (views.length < models.length) {
    const v = new ModelView(views.length === 0 ? 'A' : 'B', GRID_RESOLUTION);
    if (views.length === 0) {
      v.samples.addEventListener('pointerdown', drawStart);
      v.samples.addEventListener('pointermove', drawMove);
      v.samples.addEventListener('pointerup', drawEnd);
      v.samples.addEventListener('pointerleave', drawEnd);
    }
    views.push(v);
    host.append(v.root);
  }
  views.forEach((v, i) => (v.root.hidden = i >= models.length));
  models.forEach((m, i) => {
    const c = m.config;
    views[i].title.textContent = `${views.length > 1 && models.length > 1 ? `${v(i)}: ` : ''}${settings.objectiveName(c)} on ${m.data.description}`;
    views[i].message.textContent = '';
  });
  function v(i: number) {
    return i === 0 ? 'A' : 'B';
  }
}

// ---------------------------------------------------------------- drawing and training

function statsLine(m: Model, rate: number | null): string {
  const last = m.history.at(-1);
  const parts = [`iteration ${m.iteration}`];
  if (rate !== null) parts.push(`${rate.toFixed(1)} it/s`);
  if (last) {
    if (last.divergence !== null) parts.push(`divergence estimate ${last.divergence.toFixed(3)}`);
    else parts.push(`E(data) − E(samples) ${last.eObjective.toFixed(3)}`);
    parts.push(`mean E data ${last.meanEData.toFixed(2)} / samples ${last.meanESamples.toFixed(2)}`);
    if (last.acceptance !== null) parts.push(`MALA acceptance ${(100 * last.acceptance).toFixed(0)}%`);
  }
  return parts.join(' · ');
}

/** Evaluates every model's grid on the GPU and draws its four pictures. */
async function redraw(rates?: number[]): Promise<void> {
  const snaps = await Promise.all(models.map((m) => m.snapshot()));
  const drawing = settings.value('dataset') === 'draw';
  snaps.forEach((s, i) => {
    const m = models[i];
    const view = views[i];
    view.drawHeatmaps(s.values[0], s.values[1] ?? null);
    if (i === 0 && drawing) {
      view.drawSamples(new Float32Array(drawn), m.data.box === DRAW_BOX ? s.copies[0] : null, DRAW_BOX, true);
    } else {
      view.drawSamples(m.data.data, s.copies[0], m.data.box);
    }
    view.drawCurves(m.history, m.config.mode === 'cd');
    view.stats.textContent = statsLine(m, rates ? rates[i] : null);
  });
}

/** The model whose task failed last (for the message). */
let failedModel = 0;

/** Runs one task on every model and waits for all of them; rethrows the first failure. */
async function everyModel(task: (m: Model) => Promise<void>): Promise<void> {
  const results = await Promise.allSettled(models.map(task));
  const i = results.findIndex((r) => r.status === 'rejected');
  if (i >= 0) {
    failedModel = i;
    throw (results[i] as PromiseRejectedResult).reason;
  }
}

async function frame(): Promise<void> {
  if (models.length === 0) return;
  await everyModel((m) => m.train(ipf));
  await redraw(models.map((m) => m.rate()));
}

const nextFrame = () => new Promise<void>((resolve) => requestAnimationFrame(() => resolve()));

/** Bumped by every start, so that only the latest loop runs. */
let loopId = 0;

async function loop(id: number): Promise<void> {
  while (running && id === loopId) {
    await nextFrame();
    if (!running || id !== loopId) break;
    try {
      await exclusive(frame);
    } catch (e) {
      running = false;
      report(e);
    }
  }
  updateButtons();
}

function start(): void {
  if (running || !gpu || lost) return;
  running = true;
  for (const m of models) m.resetRate();
  for (const v of views) v.message.textContent = '';
  say('training… (change any setting to restart with it; Pause to look closely)');
  phase('running');
  updateButtons();
  void loop(++loopId);
}

function pause(): void {
  running = false;
  if (!lost) phase('paused');
  say('paused.');
  updateButtons();
}

// ---------------------------------------------------------------- errors and the lost device

function report(e: unknown): void {
  if (e instanceof DeviceLostError || (gpu?.isLost ?? false)) {
    onLost(e instanceof DeviceLostError ? e : null);
    return;
  }
  running = false;
  if (e instanceof TrainingDivergedError) {
    const view = views[failedModel] ?? views[0];
    view.message.textContent = `${e.message}. Lower the learning rates or the sampler's step size and press Start.`;
    say('training stopped: a value became infinite or NaN (see the model below); the last good parameters were restored.', true);
    phase('paused');
    void exclusive(() => redraw()).catch(() => undefined);
  } else if (e instanceof ConfigError) {
    showConfigError(e, 'A');
  } else if (e instanceof CheckpointError || e instanceof DataError) {
    $('data-error').textContent = e.message;
  } else {
    const err = e as Error;
    say(`${err?.name ?? 'Error'}: ${err?.message ?? String(e)}`, true);
    phase('error');
  }
  updateButtons();
}

function onLost(e: DeviceLostError | null): void {
  if (lost) return;
  lost = true;
  running = false;
  phase('lost');
  kept = models.filter((m) => m.lastGood).map((m) => ({ config: m.config, model: m }));
  const what = kept.length
    ? `The pictures show the last frame drawn, and the last good parameters (iteration ${kept.map((k) => k.model.lastGood!.iteration).join(' / ')}) are kept on this page.`
    : 'No trained parameters were kept yet.';
  say(`${e?.message ?? 'The GPU device was lost.'} ${what}`, true, { label: 'Restart on a new GPU', run: () => void restart() });
  gpuStatus('the GPU device was lost', true, 'press "Restart on a new GPU" to continue from the last good model, or reload the page.');
  updateButtons();
}

async function restart(): Promise<void> {
  say('asking for a new GPU device…');
  try {
    const g = await acquire();
    lost = false;
    const old = models;
    models = [];
    const start = kept.map((k) => ({ paramsE: k.model.lastGood!.paramsE, paramsH: k.model.lastGood!.paramsH, iteration: k.model.lastGood!.iteration }));
    const configs = kept.length ? kept.map((k) => k.config) : null;
    const set = data;
    gpu = g;
    // The old models' GPU objects died with the device; nothing to release.
    void old;
    phase('compiling');
    await exclusive(async () => {
      if (configs && set) await build(configs, set, start);
      else {
        const read = readSettings();
        if (read) await build(read.configs, read.set);
      }
    });
    say(`restarted on a new device from the last good model${start.length ? ` (iteration ${start.map((s) => s.iteration).join(' / ')})` : ''}. Press Start to go on.`);
  } catch (e) {
    report(e);
  }
  updateButtons();
}

async function acquire(): Promise<Gpu> {
  const g = await requestGpu({
    onError: (e) => {
      if (e instanceof DeviceLostError) onLost(e);
    },
  });
  gpuStatus(`adapter: ${adapterName(g)}`);
  return g;
}

// ---------------------------------------------------------------- drawing with the mouse

let pen = false;
function toData(e: PointerEvent): [number, number] {
  const c = e.currentTarget as HTMLCanvasElement;
  const [x0, x1, y0, y1] = DRAW_BOX;
  return [x0 + (e.offsetX / c.clientWidth) * (x1 - x0), y1 - (e.offsetY / c.clientHeight) * (y1 - y0)];
}
function spray(e: PointerEvent): void {
  const [x, y] = toData(e);
  for (let k = 0; k < 3; k++) {
    // Box-Muller: a small Gaussian spray around the pen, so a stroke is a little cloud.
    const r = 0.08 * Math.sqrt(-2 * Math.log(1 - Math.random()));
    const a = 2 * Math.PI * Math.random();
    drawn.push(x + r * Math.cos(a), y + r * Math.sin(a));
  }
  views[0].drawSamples(new Float32Array(drawn), null, DRAW_BOX, true);
}
function drawStart(e: PointerEvent): void {
  if (settings.value('dataset') !== 'draw') return;
  pen = true;
  (e.currentTarget as HTMLElement).setPointerCapture?.(e.pointerId);
  spray(e);
}
function drawMove(e: PointerEvent): void {
  if (pen) spray(e);
}
function drawEnd(): void {
  if (!pen) return;
  pen = false;
  drawVersion++;
  if (drawn.length / 2 >= MIN_DRAWN) void applySettings();
  else fieldError('dataset', `draw at least ${MIN_DRAWN} points (you have ${drawn.length / 2})`);
}

// ---------------------------------------------------------------- files: data and checkpoints

const MAGIC = 'FEBMCKPT';

async function openFile(file: File): Promise<void> {
  $('data-error').textContent = '';
  const bytes = new Uint8Array(await file.arrayBuffer());
  if (new TextDecoder().decode(bytes.subarray(0, 8)) === MAGIC) {
    await loadCheckpoint(bytes, file.name);
    return;
  }
  try {
    fileSet = await fileData(file.name, bytes, gpu?.limits.maxStorageBufferBindingSize ?? 2 ** 27);
  } catch (e) {
    if (e instanceof DataError) {
      $('data-error').textContent = `${file.name}: ${e.message.startsWith(file.name) ? e.message.slice(file.name.length + 2) : e.message}`;
      return;
    }
    throw e;
  }
  const select = $<HTMLSelectElement>('dataset');
  let option = select.querySelector<HTMLOptionElement>('option[value="file"]');
  if (!option) {
    option = new Option('', 'file');
    select.append(option);
  }
  option.textContent = `file: ${file.name}`;
  fileVersion++;
  select.value = 'file';
  await applySettings();
}

function download(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

async function saveCheckpoint(): Promise<void> {
  const m = models[0];
  if (!m) return;
  const bytes = await exclusive(() => m.trainer.saveCheckpoint());
  const c = m.config;
  const name = c.mode === 'cd' ? 'cd' : c.divergence!.name === 'alpha' ? `alpha${c.divergence!.alpha}` : c.divergence!.name;
  download(new Blob([bytes as Uint8Array<ArrayBuffer>], { type: 'application/octet-stream' }), `febm-${name}-it${m.iteration}.febm`);
  say(`saved model A at iteration ${m.iteration} (${bytes.length} bytes).`);
}

async function loadCheckpoint(bytes: Uint8Array, name: string): Promise<void> {
  if (!gpu || lost) return;
  const was = running;
  running = false;
  try {
    await exclusive(async () => {
      const set = currentDataOrKeep();
      const trainer = await Trainer.resume(gpu!, bytes, set.data);
      const model = await Model.around(gpu!, trainer, set, 0, []);
      for (const m of models) m.destroy();
      models = [model];
      data = set;
      settings.writeConfig(model.config);
      $<HTMLInputElement>('compare').checked = false;
      syncForm();
      builtKey = readSettings()?.key ?? '';
      ensureViews();
      await redraw();
      say(`loaded ${name}: ${settings.objectiveName(model.config)}, iteration ${model.iteration}.`);
    });
  } catch (e) {
    if (e instanceof CheckpointError || e instanceof ConfigError) {
      $('data-error').textContent = `${name}: ${e.message}`;
    } else report(e);
  }
  updateButtons();
  if (was && !lost) start();
}

/** The data of the current settings, or what the models train on when the settings name none. */
function currentDataOrKeep(): DataSet {
  try {
    return currentData();
  } catch (e) {
    if (data) return data;
    throw e;
  }
}

// ---------------------------------------------------------------- the form

/** Shows only the fields that apply (alpha for the alpha family, the second model's in compare mode). */
function syncForm(): void {
  const alpha = settings.value('divergence') === 'alpha' && settings.value('mode') === 'fdiv';
  $('alpha-field').hidden = !alpha;
  $('alpha-value').textContent = settings.value('alpha');
  const compare = settings.isCompare();
  for (const id of ['modeB', 'divergenceB']) $(id).closest('.field')!.toggleAttribute('hidden', !compare);
  $('alphaB-field').hidden = !(compare && settings.value('divergenceB') === 'alpha' && settings.value('modeB') === 'fdiv');
  $('alphaB-value').textContent = settings.value('alphaB');
  $('divergenceB').closest('.field')!.toggleAttribute('hidden', !compare || settings.value('modeB') === 'cd');
  $('divergence').closest('.field')!.toggleAttribute('hidden', settings.value('mode') === 'cd');
  $('step-label').textContent = settings.value('sampler') === 'du-mordatch' ? 'gradient step' : 'step size eta';
  $('draw-hint').hidden = settings.value('dataset') !== 'draw';
  views[0]?.samples.classList.toggle('drawing', settings.value('dataset') === 'draw');
}

function wireForm(): void {
  const select = $<HTMLSelectElement>('dataset');
  select.replaceChildren(...TOY_DATASETS.map((n) => new Option(TOY_LABELS[n] ?? n, n)), new Option('draw your own', 'draw'));
  settings.initForm();
  syncForm();
  for (const input of document.querySelectorAll<HTMLInputElement | HTMLSelectElement>('#controls input, #controls select')) {
    if (input.type === 'file') continue;
    input.addEventListener('change', () => {
      if (input.id === 'sampler') settings.stepDefault();
      void applySettings();
    });
    if (input.type === 'range') input.addEventListener('input', syncForm);
  }
  $('choose-file').addEventListener('click', () => $('data-file').click());
  $<HTMLInputElement>('data-file').addEventListener('change', (e) => {
    const f = (e.target as HTMLInputElement).files?.[0];
    if (f) void openFile(f).catch(report);
    (e.target as HTMLInputElement).value = '';
  });
  $('clear-drawing').addEventListener('click', () => {
    drawn.length = 0;
    drawVersion++;
    views[0]?.drawSamples(new Float32Array(0), null, DRAW_BOX, true);
  });
  // Drop anywhere on the page: data files and checkpoints.
  const drop = $('drop');
  window.addEventListener('dragover', (e) => {
    e.preventDefault();
    drop.classList.add('over');
  });
  window.addEventListener('dragleave', () => drop.classList.remove('over'));
  window.addEventListener('drop', (e) => {
    e.preventDefault();
    drop.classList.remove('over');
    const f = e.dataTransfer?.files[0];
    if (f) void openFile(f).catch(report);
  });

  button('start').addEventListener('click', start);
  button('pause').addEventListener('click', pause);
  button('step-once').addEventListener('click', () => {
    void exclusive(async () => {
      await everyModel((m) => m.step());
      await redraw();
    }).catch(report);
  });
  button('reset').addEventListener('click', () => void applySettings(true));
  button('save').addEventListener('click', () => void saveCheckpoint().catch(report));
  button('load').addEventListener('click', () => $('load-file').click());
  $<HTMLInputElement>('load-file').addEventListener('change', (e) => {
    const f = (e.target as HTMLInputElement).files?.[0];
    if (f) void f.arrayBuffer().then((b) => loadCheckpoint(new Uint8Array(b), f.name)).catch(report);
    (e.target as HTMLInputElement).value = '';
  });
  button('export').addEventListener('click', () => {
    void exportPng(views.filter((v) => !v.root.hidden), 'febm-gpu demo').then((b) => download(b, 'febm-demo.png')).catch(report);
  });
}

// ---------------------------------------------------------------- start

/** For the browser test: the page's state, and a way to lose the device as a driver reset would. */
declare global {
  interface Window {
    febmDemo: {
      state(): {
        phase: string; ready: boolean; running: boolean; lost: boolean; iterations: number[]; metricsIterations: number[][];
        lastGood: (number | null)[]; titles: string[]; error: string;
        metrics: { iteration: number; eObjective: number; meanEData: number; meanESamples: number }[][];
      };
      loseDevice(): void;
    };
  }
}

window.febmDemo = {
  state: () => ({
    phase: document.body.dataset.phase ?? '',
    ready,
    running,
    lost,
    iterations: models.map((m) => m.iteration),
    metricsIterations: models.map((m) => m.trainer.history.map((h) => h.iteration)),
    lastGood: (lost ? kept.map((k) => k.model) : models).map((m) => m.lastGood?.iteration ?? null),
    titles: views.filter((v) => !v.root.hidden).map((v) => v.title.textContent ?? ''),
    error: lastError,
    metrics: models.map((m) => m.history.map(({ iteration, eObjective, meanEData, meanESamples }) => ({ iteration, eObjective, meanEData, meanESamples }))),
  }),
  loseDevice: () => gpu?.device.destroy(),
};

async function main(): Promise<void> {
  phase('starting');
  wireForm();
  updateButtons();
  try {
    gpu = await acquire();
  } catch (e) {
    phase('no-gpu');
    gpuStatus(`No WebGPU here: ${(e as Error).message}`, true, advice(e));
    say('The demo needs WebGPU (see above).', true);
    return;
  }
  updateButtons();
  await applySettings();
}

void main();
