// The page's messages and status: the phase (a body attribute the styles and
// the browser test read), the message line, errors next to their fields, the
// GPU status with what to do when there is no usable GPU, and the buttons.

import { InsecureContextError, LimitError, NoAdapterError, NoWebGpuError, DeviceLostError, type ConfigError, type Gpu } from '../src/index';
import * as settings from './settings';
import { state } from './state';

export const $ = <T extends HTMLElement = HTMLElement>(id: string): T => document.getElementById(id) as T;
export const button = (id: string): HTMLButtonElement => $<HTMLButtonElement>(id);

export type Phase = 'starting' | 'compiling' | 'ready' | 'running' | 'paused' | 'no-gpu' | 'lost' | 'error';

export function phase(p: Phase): void {
  document.body.dataset.phase = p;
}

/** The message line; `action` adds a button to it. */
export function say(text: string, error = false, action?: { label: string; run: () => void }): void {
  const m = $('message');
  m.textContent = text;
  m.className = error ? 'error' : '';
  if (error) state.lastError = text;
  if (action) {
    const b = document.createElement('button');
    b.textContent = action.label;
    b.id = 'message-action';
    b.addEventListener('click', action.run);
    m.append(b);
  }
}

export function clearFieldErrors(): void {
  for (const e of document.querySelectorAll<HTMLElement>('.field-error')) e.textContent = '';
  for (const e of document.querySelectorAll<HTMLElement>('.field.invalid')) e.classList.remove('invalid');
}

/** Shows `message` next to the input `id` (on the message line when it has no slot). */
export function fieldError(id: string, message: string): void {
  const slot = document.querySelector<HTMLElement>(`.field-error[data-for="${id}"]`);
  if (!slot) {
    say(message, true);
    return;
  }
  slot.textContent = message;
  slot.closest('.field')?.classList.add('invalid');
}

/** A ConfigError next to the input of its field, in model A's or B's settings. */
export function showConfigError(e: ConfigError, which: 'A' | 'B'): void {
  const id = settings.inputFor(e.field, which);
  fieldError(id ?? 'dataset', which === 'B' ? `second model: ${e.message}` : e.message);
}

/** What to do when there is no usable GPU, by error type. */
export function advice(e: unknown): string {
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

export function gpuStatus(text: string, error = false, what = ''): void {
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

export function adapterName(g: Gpu): string {
  const a = g.adapter;
  const name = [a.vendor, a.architecture, a.description].filter(Boolean).join(' / ') || 'unnamed adapter';
  return `${name}${a.isFallbackAdapter ? ' (software fallback)' : ''}`;
}

/** Enables the buttons that apply now. */
export function updateButtons(): void {
  const usable = state.gpu !== null && !state.lost;
  const has = usable && state.models.length > 0;
  button('start').disabled = !usable || state.running;
  button('pause').disabled = !usable || !state.running;
  button('step-once').disabled = !has || state.running;
  button('reset').disabled = !usable;
  button('save').disabled = !has;
  button('load').disabled = !usable;
  button('export').disabled = state.views.length === 0;
}
