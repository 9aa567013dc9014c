// Colour maps: one per quantity, the same in the demo page and in the
// command line's PNG files. A map is a table of 256 RGB entries; value t in
// [0, 1] takes entry round(255 t) (clamped; NaN takes entry 0).

/** An RGB colour, components 0..255. */
export type Rgb = readonly [number, number, number];

export interface ColourMap {
  readonly name: string;
  /** 256 RGB entries, [256][3]. */
  readonly table: Uint8Array;
}

function hex(c: string): Rgb {
  if (!/^#[0-9a-fA-F]{6}$/.test(c)) throw new RangeError(`colour stops are '#rrggbb', got ${JSON.stringify(c)}`);
  const n = parseInt(c.slice(1), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

/** A colour map through evenly spaced stops ('#rrggbb'), linear between them. */
export function colourMap(name: string, stops: readonly string[]): ColourMap {
  if (stops.length < 2) throw new RangeError('a colour map needs at least 2 stops');
  const rgb = stops.map(hex);
  const table = new Uint8Array(256 * 3);
  for (let i = 0; i < 256; i++) {
    const t = (i / 255) * (rgb.length - 1);
    const k = Math.min(rgb.length - 2, Math.floor(t));
    const f = t - k;
    for (let j = 0; j < 3; j++) table[3 * i + j] = Math.round(rgb[k][j] * (1 - f) + rgb[k + 1][j] * f);
  }
  return { name, table };
}

/** The table index of t: round(255 t), t clamped to [0, 1], a non-finite t as 0. */
export function colourIndex(t: number): number {
  return Math.round(255 * (Number.isFinite(t) ? Math.min(1, Math.max(0, t)) : 0));
}

/** The colour of t in [0, 1]. */
export function colourAt(map: ColourMap, t: number): Rgb {
  const k = 3 * colourIndex(t);
  return [map.table[k], map.table[k + 1], map.table[k + 2]];
}

/** Density (exp(-E) relative to its maximum): white (none) to dark blue-violet (most). */
export const DENSITY_COLOURS = colourMap('density', ['#ffffff', '#d6e4f5', '#7fb0dc', '#3a73b8', '#2a2f8a', '#1b0c40']);

/** The log-ratio H + E = log p/q, 0 in the middle: blue (the model has more mass), white (they agree), red (the data has more). */
export const RATIO_COLOURS = colourMap('log-ratio', ['#2166ac', '#92c5de', '#f7f7f7', '#f4a582', '#b2182b']);

/** Pixel intensities in [0, 1] (images such as digits): black to white. */
export const GREY_COLOURS = colourMap('grey', ['#000000', '#ffffff']);

/** Points over a picture: the data, and the model's samples (the Langevin chains). */
export const POINT_STYLES = {
  data: { colour: [90, 90, 90] as Rgb, alpha: 0.35, size: 2 },
  chains: { colour: [220, 30, 30] as Rgb, alpha: 0.75, size: 3 },
  /** The axes x = 0 and y = 0. */
  axes: { colour: [227, 227, 227] as Rgb },
} as const;
