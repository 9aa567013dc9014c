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
import { loadDigits } from './digits';
import { readSettings, syncForm } from './form';
import { GRID_RESOLUTION, Model } from './model';
import { SCORE_EVERY, ScoreClient } from './score';
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
  if (settings.isDigits() && !state.digits) return loadDigitsThen(() => applySettings(force));
  const read = readSettings();
  if (!read || !state.gpu || state.lost) return Promise.resolve();
  if (!force && read.key === state.builtKey) {
    // The same models: only what is shown may have changed (the label of the samples grid).
    return state.models.length && !state.running ? state.exclusive(() => redraw()).catch(report) : Promise.resolve();
  }
  state.builtKey = read.key;
  return state.exclusive(() => build(read.configs, read.set)).catch((e) => {
    state.builtKey = '';
    report(e);
  });
}

/** Loads the built-in digits (once) and starts the score worker, then runs `then`. */
export function loadDigitsThen(then: () => Promise<void>): Promise<void> {
  say('loading the MNIST digits…');
  return loadDigits().then((d) => {
    if (!state.digits) {
      state.digits = d;
      state.scorer = new ScoreClient(d.heldOut);
    }
    say('');
    return then();
  }, report);
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
    views[i].showKind(m.data.images ? 'images' : 'points', m.data.images?.heldOut != null);
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
  const score = m.scores.at(-1);
  if (score) {
    parts.push(`score at ${score.iteration}: Frechet ${score.frechet.toFixed(1)} (n = ${score.n}), ${(100 * score.confident).toFixed(0)}% confident`);
    if (score.agreement !== undefined) parts.push(`${(100 * score.agreement).toFixed(0)}% their label`);
  }
  return parts.join(' · ');
}

/**
 * Asks the score worker for the score of a model's training chains, every
 * SCORE_EVERY iterations (and at iteration 0, the chains' start), one at a
 * time per model; the answer joins the model's scores when it comes. Also
 * asks once per sample count for the score of as many real digits (the
 * plot's reference line).
 */
async function scoreChains(m: Model, shown: { n: number; pixels: Float32Array; labels: Int32Array | null } | null): Promise<void> {
  const scorer = state.scorer;
  if (!scorer || m.scoring || (m.scoredAt >= 0 && m.iteration < m.scoredAt + SCORE_EVERY)) return;
  const chains = shown ?? (await m.imageSamples(true));
  m.scoring = true;
  m.scoredAt = m.iteration;
  const iteration = m.iteration;
  const n = chains.n;
  scorer
    .score(chains.pixels.slice(), n, chains.labels)
    .then((s) => m.scores.push({ iteration, ...s }))
    .catch((e) => console.warn(`score at iteration ${iteration}: ${(e as Error).message}`))
    .finally(() => (m.scoring = false));
  if (!state.realFrechet.has(n) && state.digits) {
    state.realFrechet.set(n, NaN);
    const train = state.digits.train;
    const px = train.dim;
    const real = new Float32Array(n * px);
    // n training digits spread evenly over the classes (the split is in class order).
    for (let k = 0; k < n; k++) {
      const row = Math.floor(((k + 0.5) * train.rows) / n);
      real.set(train.data.subarray(row * px, (row + 1) * px), k * px);
    }
    scorer.score(real, n, null).then((s) => state.realFrechet.set(n, s.frechet), () => state.realFrechet.delete(n));
  }
}

/** A model of images: the samples grid (the training chains, or the chosen label's) and, for the digits, its score. */
async function redrawImages(m: Model, i: number): Promise<void> {
  const view = state.views[i];
  const images = m.data.images!;
  const label = m.config.classes > 0 ? settings.shownLabel() : null;
  await m.showLabel(label);
  const s = await m.imageSamples();
  const caption =
    label !== null
      ? `${s.n} chains of the label ${label} on the live E`
      : `${Math.min(s.n, 64)} of the ${m.config.chains} training chains${m.config.classes > 0 ? ', by label' : ''}`;
  view.drawImages(s, images, caption);
  // The score's classifier knows the digits: no score for images of a file.
  if (!images.heldOut) return;
  await scoreChains(m, label === null ? s : null);
  const ref = m.scores.length ? state.realFrechet.get(m.scores[m.scores.length - 1].n) : undefined;
  view.drawScores(m.scores, ref !== undefined && Number.isFinite(ref) ? ref : null);
}

/** Evaluates every model's grid on the GPU and draws its four pictures. */
export async function redraw(rates?: number[]): Promise<void> {
  const { models, views } = state;
  const snaps = await Promise.all(models.map((m) => (m.data.images ? null : m.snapshot())));
  for (const [i, m] of models.entries()) if (m.data.images) await redrawImages(m, i);
  const drawing = settings.value('dataset') === 'draw';
  snaps.forEach((s, i) => {
    const m = models[i];
    const view = views[i];
    if (!s) {
      view.drawCurves(m.history, m.config.mode === 'cd');
      view.stats.textContent = statsLine(m, rates ? rates[i] : null);
      return;
    }
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
