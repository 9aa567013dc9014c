// The demo page: train an energy-based model with f-EBM (or CD) on the
// user's GPU and watch it learn. This file wires the page together; the
// parts are
//   state.ts      everything that changes while the page runs, and the GPU task queue
//   page.ts       messages, field errors, the GPU status, the buttons
//   form.ts       the settings as configurations and data
//   lifecycle.ts  the device, building the models, the training loop, errors, a lost device
//   pointer.ts    drawing data with the mouse
//   files.ts      data files, checkpoints, the picture export
//   model.ts      one model: its Trainer and its EnergyGrid
//   views.ts      one model's pictures
//   settings.ts   the form's fields
//   data.ts       the data sets

import { TOY_DATASETS, TOY_LABELS } from './data';
import { exportPictures, loadCheckpoint, openFile, saveCheckpoint } from './files';
import { imagesChosen, syncForm } from './form';
import { acquire, applySettings, pause, report, start, stepOnce } from './lifecycle';
import { $, advice, button, gpuStatus, phase, say, updateButtons } from './page';
import { clearDrawing } from './pointer';
import * as settings from './settings';
import { state } from './state';

function wireForm(): void {
  const select = $<HTMLSelectElement>('dataset');
  select.replaceChildren(
    ...TOY_DATASETS.map((n) => new Option(TOY_LABELS[n] ?? n, n)),
    new Option('draw your own', 'draw'),
    new Option('MNIST digits (images)', settings.DIGITS),
  );
  $<HTMLSelectElement>('label').replaceChildren(
    new Option('unconditional model', 'none'),
    new Option('conditional: every label', 'all'),
    ...Array.from({ length: 10 }, (_, d) => new Option(`conditional: the digit ${d}`, String(d))),
  );
  settings.initForm();
  syncForm();
  for (const input of document.querySelectorAll<HTMLInputElement | HTMLSelectElement>('#controls input, #controls select')) {
    if (input.type === 'file') continue;
    input.addEventListener('change', () => {
      if (input.id === 'sampler') settings.stepDefault();
      if (input.id === 'dataset') {
        // Images and 2-D points have settings of their own (networks, sampler, learning rates, ...).
        const kind = imagesChosen() ? 'digits' : 'points';
        if (kind !== state.kind) settings.kindDefaults(kind);
        state.kind = kind;
      }
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
  $('clear-drawing').addEventListener('click', clearDrawing);
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
  button('step-once').addEventListener('click', () => void stepOnce().catch(report));
  button('reset').addEventListener('click', () => void applySettings(true));
  button('save').addEventListener('click', () => void saveCheckpoint().catch(report));
  button('load').addEventListener('click', () => $('load-file').click());
  $<HTMLInputElement>('load-file').addEventListener('change', (e) => {
    const f = (e.target as HTMLInputElement).files?.[0];
    if (f) void f.arrayBuffer().then((b) => loadCheckpoint(new Uint8Array(b), f.name)).catch(report);
    (e.target as HTMLInputElement).value = '';
  });
  button('export').addEventListener('click', () => void exportPictures().catch(report));
}

/** For the browser test: the page's state, and a way to lose the device as a driver reset would. */
declare global {
  interface Window {
    febmDemo: {
      state(): {
        phase: string; ready: boolean; running: boolean; lost: boolean; iterations: number[]; metricsIterations: number[][];
        lastGood: (number | null)[]; titles: string[]; error: string;
        metrics: { iteration: number; eObjective: number; meanEData: number; meanESamples: number }[][];
        /** Models of images: the scores of their chains. */
        scores: { iteration: number; n: number; frechet: number; confident: number; agreement: number | null }[][];
        classes: number[];
        /** Each model's input width and its sampler's box (null: none). */
        inputDims: number[];
        boxes: ([number, number] | null)[];
      };
      loseDevice(): void;
    };
  }
}

window.febmDemo = {
  state: () => ({
    phase: document.body.dataset.phase ?? '',
    ready: state.ready,
    running: state.running,
    lost: state.lost,
    iterations: state.models.map((m) => m.iteration),
    metricsIterations: state.models.map((m) => m.trainer.history.map((h) => h.iteration)),
    lastGood: (state.lost ? state.kept.map((k) => k.model) : state.models).map((m) => m.lastGood?.iteration ?? null),
    titles: state.views.filter((v) => !v.root.hidden).map((v) => v.title.textContent ?? ''),
    error: state.lastError,
    metrics: state.models.map((m) => m.history.map(({ iteration, eObjective, meanEData, meanESamples }) => ({ iteration, eObjective, meanEData, meanESamples }))),
    scores: state.models.map((m) => m.scores.map(({ iteration, n, frechet, confident, agreement }) => ({ iteration, n, frechet, confident, agreement: agreement ?? null }))),
    classes: state.models.map((m) => m.config.classes),
    inputDims: state.models.map((m) => m.config.energy.inputDim),
    boxes: state.models.map((m) => (m.config.sampler.kind === 'du-mordatch' && Array.isArray(m.config.sampler.box) ? m.config.sampler.box : null)),
  }),
  loseDevice: () => state.gpu?.device.destroy(),
};

async function main(): Promise<void> {
  phase('starting');
  wireForm();
  updateButtons();
  try {
    state.gpu = await acquire();
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
