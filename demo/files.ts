// Files: data files (CSV, JSON) and checkpoints, dropped on the page or
// chosen; saving model A's checkpoint; the picture export. A file that starts
// with the checkpoint format's magic is a checkpoint; anything else is data.

import { CHECKPOINT_MAGIC, CheckpointError, ConfigError, DataError, decodeTrainerCheckpoint, DIGIT_PIXELS, Trainer } from '../src/index';
import { fileData, trainerData } from './data';
import { currentDataOrKeep, readSettings, syncForm } from './form';
import { applySettings, ensureViews, loadDigitsThen, redraw, report, start } from './lifecycle';
import { Model } from './model';
import { $, say, updateButtons } from './page';
import * as settings from './settings';
import { state } from './state';
import { exportPng } from './views';

/** A dropped or chosen file: a checkpoint to load, or data to train on. */
export async function openFile(file: File): Promise<void> {
  $('data-error').textContent = '';
  const bytes = new Uint8Array(await file.arrayBuffer());
  if (new TextDecoder().decode(bytes.subarray(0, CHECKPOINT_MAGIC.length)) === CHECKPOINT_MAGIC) {
    await loadCheckpoint(bytes, file.name);
    return;
  }
  try {
    state.fileSet = await fileData(file.name, bytes, state.gpu?.limits.maxStorageBufferBindingSize ?? 2 ** 27);
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
  state.fileVersion++;
  select.value = 'file';
  // Images and 2-D points have settings of their own (as when the data set select changes).
  const kind = state.fileSet.images ? 'digits' : 'points';
  if (kind !== state.kind) settings.kindDefaults(kind);
  state.kind = kind;
  syncForm();
  await applySettings();
}

/** Hands `blob` to the browser as a download named `name`. */
export function download(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** Model A's full state as a checkpoint file download. */
export async function saveCheckpoint(): Promise<void> {
  const m = state.models[0];
  if (!m) return;
  const bytes = await state.exclusive(() => m.trainer.saveCheckpoint());
  const c = m.config;
  const name = c.mode === 'cd' ? 'cd' : c.divergence!.name === 'alpha' ? `alpha${c.divergence!.alpha}` : c.divergence!.name;
  download(new Blob([bytes as Uint8Array<ArrayBuffer>], { type: 'application/octet-stream' }), `febm-${name}-it${m.iteration}.febm`);
  say(`saved model A at iteration ${m.iteration} (${bytes.length} bytes).`);
}

/** Whether a checkpoint's model is one of the digits (rows of 784 values), and conditional; null if it does not decode (resume says why). */
function checkpointKind(bytes: Uint8Array): { digits: boolean; conditional: boolean } | null {
  try {
    const c = decodeTrainerCheckpoint(bytes).config;
    return { digits: c.energy.inputDim - c.classes === DIGIT_PIXELS, conditional: c.classes > 0 };
  } catch {
    return null;
  }
}

/** Sets the data set select (and the labels of the digits) for a checkpoint's kind of model. */
function selectDataFor(kind: { digits: boolean; conditional: boolean }): void {
  const dataset = $<HTMLSelectElement>('dataset');
  const label = $<HTMLSelectElement>('label');
  if (kind.digits) {
    dataset.value = settings.DIGITS;
    if (!kind.conditional) label.value = 'none';
    else if (label.value === 'none') label.value = 'all';
    state.kind = 'digits';
  } else if (settings.isDigits()) {
    dataset.value = settings.DEFAULTS.dataset;
    state.kind = 'points';
  }
}

/**
 * Resumes a checkpoint as the only model, on the data of the settings (or
 * the current data; the digits for a checkpoint of digits), and writes its
 * settings into the form.
 */
export async function loadCheckpoint(bytes: Uint8Array, name: string): Promise<void> {
  if (!state.gpu || state.lost) return;
  const was = state.running;
  state.running = false;
  const kind = checkpointKind(bytes);
  if (kind?.digits && !state.digits) await loadDigitsThen(async () => undefined);
  try {
    await state.exclusive(async () => {
      if (kind) selectDataFor(kind);
      const set = currentDataOrKeep();
      const trainer = await Trainer.resume(state.gpu!, bytes, trainerData(set));
      const model = await Model.around(state.gpu!, trainer, set, 0, []);
      for (const m of state.models) m.destroy();
      state.models = [model];
      state.data = set;
      settings.writeConfig(model.config);
      $<HTMLInputElement>('compare').checked = false;
      syncForm();
      state.builtKey = readSettings()?.key ?? '';
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
  if (was && !state.lost) start();
}

/** Every shown panel's pictures in one PNG download. */
export async function exportPictures(): Promise<void> {
  const blob = await exportPng(state.views.filter((v) => !v.root.hidden), 'febm-gpu demo');
  download(blob, 'febm-demo.png');
}
