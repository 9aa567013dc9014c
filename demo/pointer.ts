// Drawing data with the mouse (or a pen, or a finger) on model A's samples
// picture: each move sprays a few points around the pointer; a finished
// stroke with enough points becomes the data (onStroke).

import { DRAW_BOX, MIN_DRAWN } from './data';
import { fieldError } from './page';
import * as settings from './settings';
import { state } from './state';

/** The data coordinates of a pointer event on the canvas. */
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
    state.drawn.push(x + r * Math.cos(a), y + r * Math.sin(a));
  }
  state.views[0].drawSamples(new Float32Array(state.drawn), null, DRAW_BOX, true);
}

/** Lets the pointer draw on `canvas` while the dataset setting is 'draw'; `onStroke` after each stroke with enough points. */
export function attachPen(canvas: HTMLCanvasElement, onStroke: () => void): void {
  let down = false;
  canvas.addEventListener('pointerdown', (e) => {
    if (settings.value('dataset') !== 'draw') return;
    down = true;
    canvas.setPointerCapture?.(e.pointerId);
    spray(e);
  });
  canvas.addEventListener('pointermove', (e) => {
    if (down) spray(e);
  });
  const end = () => {
    if (!down) return;
    down = false;
    state.drawVersion++;
    const points = state.drawn.length / 2;
    if (points >= MIN_DRAWN) onStroke();
    else fieldError('dataset', `draw at least ${MIN_DRAWN} points (you have ${points})`);
  };
  canvas.addEventListener('pointerup', end);
  canvas.addEventListener('pointerleave', end);
}

/** Forgets the drawing. */
export function clearDrawing(): void {
  state.drawn.length = 0;
  state.drawVersion++;
  state.views[0]?.drawSamples(new Float32Array(0), null, DRAW_BOX, true);
}
