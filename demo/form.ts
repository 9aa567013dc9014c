// The settings form as the models see it: the data the settings name, the
// validated configurations of model A (and B in compare mode) with every bad
// setting shown next to its field, and which fields are shown.

import { ConfigError, FebmError, type ValidTrainerConfig } from '../src/index';
import { digitsData, drawnData, toyData, type DataSet } from './data';
import { $, clearFieldErrors, fieldError, showConfigError } from './page';
import * as settings from './settings';
import { state } from './state';

/** The data the settings name: a built-in set, the drawing, or the last file. */
export function currentData(): DataSet {
  const name = settings.value('dataset');
  if (name === 'draw') return drawnData(state.drawn);
  if (name === settings.DIGITS) {
    if (!state.digits) throw new ConfigError('dataset', 'the digits are still loading');
    return digitsData(state.digits, settings.isConditional());
  }
  if (name === 'file') {
    if (!state.fileSet) throw new ConfigError('dataset', 'drop or choose a data file first');
    return state.fileSet;
  }
  const seed = Number(settings.value('seed'));
  return toyData(name, Number.isInteger(seed) && seed >= 0 && seed <= 0xffffffff ? seed : 0);
}

/** The data of the settings, or what the models train on when the settings name none. */
export function currentDataOrKeep(): DataSet {
  try {
    return currentData();
  } catch (e) {
    if (state.data) return state.data;
    throw e;
  }
}

/** Whether the settings name a data set of images: the built-in digits, or an image file. */
export function imagesChosen(): boolean {
  return imageInput() !== null;
}

/** The image input of the data the settings name (null for 2-D points). */
function imageInput(): settings.ImageInput | null {
  if (settings.isDigits()) return settings.digitsInput();
  const images = settings.value('dataset') === 'file' ? state.fileSet?.images : undefined;
  return images ? { pixels: images.width * images.height, range: images.range, classes: 0 } : null;
}

/** What identifies the data of the settings (a rebuild happens only when it or a configuration changes). */
function dataKey(): string {
  const name = settings.value('dataset');
  if (name === 'draw') return `draw:${state.drawVersion}`;
  if (name === 'file') return `file:${state.fileVersion}`;
  if (name === settings.DIGITS) return `digits:${settings.isConditional()}`;
  return `toy:${name}:${settings.value('seed')}`;
}

/**
 * Validated configurations of the models the settings ask for, their data,
 * and a key of both; null (with the errors shown next to their fields) if any
 * setting is bad. Also takes the iterations per frame.
 */
export function readSettings(): { configs: ValidTrainerConfig[]; set: DataSet; key: string } | null {
  clearFieldErrors();
  let ok = true;
  try {
    state.ipf = settings.iterationsPerFrame();
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    showConfigError(e, 'A');
    ok = false;
  }
  const configs: ValidTrainerConfig[] = [];
  for (const which of settings.isCompare() ? (['A', 'B'] as const) : (['A'] as const)) {
    try {
      configs.push(settings.readConfig(which, imageInput()));
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

/** Shows only the fields that apply (alpha for the alpha family, the second model's in compare mode). */
export function syncForm(): void {
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
  $('label').closest('.field')!.toggleAttribute('hidden', !settings.isDigits());
  $('explain-images').hidden = !imagesChosen();
  $('explain-points').hidden = imagesChosen();
  state.views[0]?.samples.classList.toggle('drawing', settings.value('dataset') === 'draw');
}
