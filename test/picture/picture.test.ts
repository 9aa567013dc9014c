// The picture module (src/picture/): colour maps, heatmaps, the density and
// log-ratio pictures, points over them, the image grid, and PNG files
// (decoded again with fast-png's decoder).
import { decode } from 'fast-png';
import { describe, expect, it } from 'vitest';
import {
  colourAt, createPicture, densityPicture, DENSITY_COLOURS, drawPoints, encodePng, GREY_COLOURS, heatmap, imageGrid, POINT_STYLES,
  ratioPicture, RATIO_COLOURS, samplesPicture, type Picture,
} from '../../src/index';

const px = (p: Picture, x: number, y: number) => Array.from(p.rgba.subarray(4 * (y * p.width + x), 4 * (y * p.width + x) + 3));

describe('colour maps', () => {
  it('run through their stops, clamp, and take a non-finite value as 0', () => {
    expect(colourAt(DENSITY_COLOURS, 0)).toEqual([255, 255, 255]);
    expect(colourAt(DENSITY_COLOURS, 1)).toEqual([0x1b, 0x0c, 0x40]);
    // The middle stop lies between entries 127 and 128: t = 0.5 takes 128, a step towards red from white.
    for (const c of colourAt(RATIO_COLOURS, 0.5)) expect(Math.abs(c - 0xf7)).toBeLessThanOrEqual(1);
    expect(colourAt(DENSITY_COLOURS, 2)).toEqual(colourAt(DENSITY_COLOURS, 1));
    expect(colourAt(DENSITY_COLOURS, -1)).toEqual(colourAt(DENSITY_COLOURS, 0));
    expect(colourAt(DENSITY_COLOURS, NaN)).toEqual(colourAt(DENSITY_COLOURS, 0));
    // Density darkens monotonically from none to most.
    const lum = (t: number) => colourAt(DENSITY_COLOURS, t).reduce((s, v) => s + v, 0);
    for (let t = 0; t < 1; t += 0.125) expect(lum(t + 0.125)).toBeLessThan(lum(t));
    expect(colourAt(GREY_COLOURS, 0.5)).toEqual([128, 128, 128]);
  });
});

describe('rasters', () => {
  it('density: exp(-E) relative to its largest value, row 0 at the top, blocks of pixelsPerCell', () => {
    const e = Float32Array.from([3, 0, 3, NaN]);
    const p = densityPicture(e, 2, { pixelsPerCell: 3 });
    expect([p.width, p.height]).toEqual([6, 6]);
    expect(px(p, 3, 0)).toEqual([...colourAt(DENSITY_COLOURS, 1)]);
    expect(px(p, 5, 2)).toEqual([...colourAt(DENSITY_COLOURS, 1)]);
    expect(px(p, 0, 0)).toEqual([...colourAt(DENSITY_COLOURS, Math.exp(-3))]);
    expect(px(p, 4, 4)).toEqual([...colourAt(DENSITY_COLOURS, 0)]);
    expect(p.rgba[3]).toBe(255);
  });

  it('log-ratio: 0 white, positive red, negative blue, scaled by the largest |H + E|', () => {
    const h = Float32Array.from([1, -2, 0, 0]);
    const e = Float32Array.from([1, 0, 0, 0]);
    const p = ratioPicture(h, e, 2);
    expect(px(p, 0, 0)).toEqual([...colourAt(RATIO_COLOURS, 1)]); // +2 of +-2
    expect(px(p, 1, 0)).toEqual([...colourAt(RATIO_COLOURS, 0)]); // -2
    expect(px(p, 0, 1)).toEqual([...colourAt(RATIO_COLOURS, 0.5)]);
  });

  it('a heatmap writes into a given picture without allocating one, and refuses a wrong size', () => {
    const out = createPicture(2, 2);
    expect(heatmap([0, 1, 0, 1], 2, GREY_COLOURS, (v) => v, { out })).toBe(out);
    expect(px(out, 1, 0)).toEqual([255, 255, 255]);
    expect(() => heatmap([0, 1, 0], 2, GREY_COLOURS, (v) => v)).toThrow(/size\^2 = 4/);
    expect(() => heatmap([0, 1, 0, 1], 2, GREY_COLOURS, (v) => v, { out: createPicture(3, 3) })).toThrow(/2 x 2/);
  });

  it('points land in their place with y up, blend with alpha, and those outside are skipped', () => {
    const p = createPicture(10, 10, [0, 0, 0]);
    drawPoints(p, [-0.95, 0.95, 0.95, -0.95, 5, 5], [-1, 1, -1, 1], { colour: [255, 0, 0] });
    const red: number[] = [];
    for (let i = 0; i < 100; i++) if (p.rgba[4 * i] === 255) red.push(i);
    expect(red).toEqual([0, 99]);
    const q = createPicture(4, 4, [255, 255, 255]);
    // (0, 0) falls in pixel (2, 2); a 2-pixel square has it as its lower-right pixel.
    drawPoints(q, [0, 0], [-1, 1, -1, 1], { colour: [0, 0, 0], alpha: 0.5, size: 2 });
    expect(px(q, 2, 2)).toEqual([128, 128, 128]);
    expect(px(q, 1, 1)).toEqual([128, 128, 128]);
    expect(px(q, 3, 3)).toEqual([255, 255, 255]);
    expect(px(q, 0, 0)).toEqual([255, 255, 255]);
  });

  it('the samples picture: axes, the data in grey and the chains in red over white', () => {
    const p = samplesPicture([0.5, 0.5], [-0.5, -0.5], [-1, 1, -1, 1], { width: 20 });
    expect(px(p, 5, 5)).toEqual([255, 255, 255]);
    expect(px(p, 10, 3)).toEqual([...POINT_STYLES.axes.colour]);
    const a = POINT_STYLES.data.alpha;
    expect(px(p, 15, 5)).toEqual(POINT_STYLES.data.colour.map((c) => Math.round(c * a + 255 * (1 - a))));
    const b = POINT_STYLES.chains.alpha;
    expect(px(p, 5, 15)).toEqual(POINT_STYLES.chains.colour.map((c) => Math.round(c * b + 255 * (1 - b))));
  });

  it('an image grid tiles N images of W x H pixels in columns with gaps', () => {
    // 3 images of 2 x 1 pixels: values (0, 1), (0.5, 0.5), (1, 0); 2 columns, gap 1.
    const p = imageGrid([0, 1, 0.5, 0.5, 1, 0], 3, 2, 1, { columns: 2, gap: 1 });
    expect([p.width, p.height]).toEqual([2 * 2 + 3, 2 * 1 + 3]);
    expect(px(p, 0, 0)).toEqual([128, 128, 128]);
    expect(px(p, 1, 1)).toEqual([0, 0, 0]);
    expect(px(p, 2, 1)).toEqual([255, 255, 255]);
    expect(px(p, 4, 1)).toEqual([128, 128, 128]);
    expect(px(p, 1, 3)).toEqual([255, 255, 255]);
    expect(px(p, 2, 3)).toEqual([0, 0, 0]);
    // The fourth cell stays background.
    expect(px(p, 5, 3)).toEqual([128, 128, 128]);
    expect(() => imageGrid([0, 1], 3, 2, 1)).toThrow(/count \* width \* height = 6/);
  });
});

describe('PNG', () => {
  it('writes the pixels (fast-png reads them back)', () => {
    const p = createPicture(7, 5);
    for (let i = 0; i < p.rgba.length; i++) if (i % 4 !== 3) p.rgba[i] = (i * 37 + 11) % 256;
    const png = encodePng(p);
    expect(Array.from(png.subarray(0, 8))).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    const d = decode(png);
    expect([d.width, d.height, d.channels, d.depth]).toEqual([7, 5, 3, 8]);
    for (let y = 0; y < 5; y++) for (let x = 0; x < 7; x++) expect(Array.from(d.data.subarray(3 * (y * 7 + x), 3 * (y * 7 + x) + 3))).toEqual(px(p, x, y));
  });
});
