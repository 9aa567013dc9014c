// The GPU lifecycle and the training loop: acquiring the device, building the
// models from the settings (a bad setting is refused next to its field and
// the running model is kept), training in animation frames (each frame
// submits a few iterations per model, evaluates the heatmaps on the GPU and
// draws them), errors, and the lost device: the pictures and a host copy of
// the last good parameters stay, from which training restarts on a new device.

import {
  CheckpointError, ConfigError, DataError, DeviceLostError, requestGpu, TrainingDivergedError, type Gpu, type ValidTrainerConfig,
} from '../src/index';
import { DRAW_BOX, type DataSet } from './data';
import { readSettings, syncForm } from './form';
import { GRID_RESOLUTION, Model } from './model';
import { $, adapterName, gpuStatus, phase, say, showConfigError, updateButtons } from './page';
import { attachPen } from './pointer';
import * as settings from './settings';
import { state } from './state';
import { ModelView } from './views';

/** The device, with the page told of its loss. */
export async function acquire(): Promise<Gpu> {
  const g = await requestGpu({
    onError: (e) => {
      if (e instanceof DeviceLostError) onLost(e);
    },
  });
  gpuStatus(`adapter: ${adapterName(g)}`);
  return g;
}

/**
 * Rebuilds the models (fresh weights) when the settings name other models or
 * other data than those that run, or always with `force` (Reset). Bad
 * settings are refused next to their fields, and what runs goes on.
 */
export function applySettings(force = false): Promise<void> {
  syncForm();
  const read = readSettings();
  if (!read || !state.gpu || state.lost) return Promise.resolve();
  if (!force && read.key === state.builtKey) return Promise.resolve();
  state.builtKey = read.key;
  return state.exclusive(() => build(read.configs, read.set)).catch((e) => {
    state.builtKey = '';
    report(e);
  });
}

/** Where a rebuilt model starts: given parameters and the iteration to count on from (a restart after a loss). */
export interface ModelStartAt {
  paramsE?: Float32Array;
  paramsH?: Float32Array | null;
  iteration?: number;
}

/** Makes the models of `configs` on `set`; the old ones go only once the new ones exist. */
export async function build(configs: ValidTrainerConfig[], set: DataSet, start: ModelStartAt[] = []): Promise<void> {
  const g = state.gpu!;
  const t0 = performance.now();
  const first = state.models.length === 0 && state.kept.length === 0;
  if (first) {
    phase('compiling');
    say('compiling the GPU kernels (once per page; about half a minute on a software adapter, a second or two on a GPU)…');
  }
  // The new models first: if one cannot be made, the old ones go on.
  const made: Model[] = [];
  try {
    for (const [i, config] of configs.entries()) {
      const s = start[i];
      const history = s?.iteration !== undefined ? state.kept[i]?.model.history.filter((m) => m.iteration <= s.iteration!) : undefined;
      made.push(await Model.create(g, config, set, { paramsE: s?.paramsE, paramsH: s?.paramsH ?? undefined, iteration: s?.iteration, history }));
    }
  } catch (e) {
    for (const m of made) m.destroy();
    throw e;
  }
  if (!state.lost) for (const m of state.models) m.destroy();
  state.models = made;
  state.data = set;
  state.kept = [];
  ensureViews();
  if (first) gpuStatus(`adapter: ${adapterName(g)} · kernels compiled in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  if (!state.running) say(state.models[0].iteration > 0 ? '' : 'Press Start to train.');
  phase(state.running ? 'running' : 'ready');
  state.ready = true;
  await redraw();
  updateButtons();
}

/** Makes the panels the models need (model A's samples picture takes the pen) and titles them. */
export function ensureViews(): void {
  const { views, models } = state;
  const host = $('models');
  while (views.length < models.length) {
    const v = new ModelView(views.length === 0 ? 'A' : 'B', GRID_RESOLUTION);
    if (views.length === 0) attachPen(v.samples, () => void applySettings());
    views.push(v);
    host.append(v.root);
  }
  views.forEach((v, i) => (v.root.hidden = i >= models.length));
  const letter = (i: number) => (i === 0 ? 'A' : 'B');
  models.forEach((m, i) => {
    views[i].title.textContent = `${views.length > 1 && models.length > 1 ? `${letter(i)}: ` : ''}${settings.objectiveName(m.config)} on ${m.data.description}`;
    views[i].message.textContent = '';
  });
}

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
export async function redraw(rates?: number[]): Promise<void> {
  const { models, views } = state;
  const snaps = await Promise.all(models.map((m) => m.snapshot()));
  const drawing = settings.value('dataset') === 'draw';
  snaps.forEach((s, i) => {
    const m = models[i];
    const view = views[i];
    view.drawHeatmaps(s.values[0], s.values[1] ?? null);
    if (i === 0 && drawing) {
      view.drawSamples(new Float32Array(state.drawn), m.data.box === DRAW_BOX ? s.copies[0] : null, DRAW_BOX, true);
    } else {
      view.drawSamples(m.data.data, s.copies[0], m.data.box);
    }
    view.drawCurves(m.history, m.config.mode === 'cd');
    view.stats.textContent = statsLine(m, rates ? rates[i] : null);
  });
}

/** Runs one task on every model and waits for all of them; rethrows the first failure. */
export async function everyModel(task: (m: Model) => Promise<void>): Promise<void> {
  const results = await Promise.allSettled(state.models.map(task));
  const i = results.findIndex((r) => r.status === 'rejected');
  if (i >= 0) {
    state.failedModel = i;
    throw (results[i] as PromiseRejectedResult).reason;
  }
}

async function frame(): Promise<void> {
  if (state.models.length === 0) return;
  await everyModel((m) => m.train(state.ipf));
  await redraw(state.models.map((m) => m.rate()));
}

const nextFrame = () => new Promise<void>((resolve) => requestAnimationFrame(() => resolve()));

async function loop(id: number): Promise<void> {
  while (state.running && id === state.loopId) {
    await nextFrame();
    if (!state.running || id !== state.loopId) break;
    try {
      await state.exclusive(frame);
    } catch (e) {
      state.running = false;
      report(e);
    }
  }
  updateButtons();
}

export function start(): void {
  if (state.running || !state.gpu || state.lost) return;
  state.running = true;
  for (const m of state.models) m.resetRate();
  for (const v of state.views) v.message.textContent = '';
  say('training… (change any setting to restart with it; Pause to look closely)');
  phase('running');
  updateButtons();
  void loop(++state.loopId);
}

export function pause(): void {
  state.running = false;
  if (!state.lost) phase('paused');
  say('paused.');
  updateButtons();
}

/** One iteration of every model, then a redraw. */
export function stepOnce(): Promise<void> {
  return state.exclusive(async () => {
    await everyModel((m) => m.step());
    await redraw();
  });
}

/** Shows an error where it belongs: a diverged model, a bad field, a bad file, a lost device, or the message line. */
export function report(e: unknown): void {
  if (e instanceof DeviceLostError || (state.gpu?.isLost ?? false)) {
    onLost(e instanceof DeviceLostError ? e : null);
    return;
  }
  state.running = false;
  if (e instanceof TrainingDivergedError) {
    const view = state.views[state.failedModel] ?? state.views[0];
    view.message.textContent = `${e.message}. Lower the learning rates or the sampler's step size and press Start.`;
    say('training stopped: a value became infinite or NaN (see the model below); the last good parameters were restored.', true);
    phase('paused');
    void state.exclusive(() => redraw()).catch(() => undefined);
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
  if (state.lost) return;
  state.lost = true;
  state.running = false;
  phase('lost');
  state.kept = state.models.filter((m) => m.lastGood).map((m) => ({ config: m.config, model: m }));
  const what = state.kept.length
    ? `The pictures show the last frame drawn, and the last good parameters (iteration ${state.kept.map((k) => k.model.lastGood!.iteration).join(' / ')}) are kept on this page.`
    : 'No trained parameters were kept yet.';
  say(`${e?.message ?? 'The GPU device was lost.'} ${what}`, true, { label: 'Restart on a new GPU', run: () => void restart() });
  gpuStatus('the GPU device was lost', true, 'press "Restart on a new GPU" to continue from the last good model, or reload the page.');
  updateButtons();
}

/** A new device, and the kept models (or the settings' models) on it. */
async function restart(): Promise<void> {
  say('asking for a new GPU device…');
  try {
    const g = await acquire();
    state.lost = false;
    // The old models' GPU objects died with the device; nothing to release.
    state.models = [];
    const kept = state.kept;
    const startAt = kept.map((k) => ({ paramsE: k.model.lastGood!.paramsE, paramsH: k.model.lastGood!.paramsH, iteration: k.model.lastGood!.iteration }));
    const configs = kept.length ? kept.map((k) => k.config) : null;
    const set = state.data;
    state.gpu = g;
    phase('compiling');
    await state.exclusive(async () => {
      if (configs && set) await build(configs, set, startAt);
      else {
        const read = readSettings();
        if (read) await build(read.configs, read.set);
      }
    });
    say(`restarted on a new device from the last good model${startAt.length ? ` (iteration ${startAt.map((s) => s.iteration).join(' / ')})` : ''}. Press Start to go on.`);
  } catch (e) {
    report(e);
  }
  updateButtons();
}
