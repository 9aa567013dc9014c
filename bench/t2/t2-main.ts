// `node bin/febm.mjs bench/t2/t2-main.ts [--quick] [--impl NAME]... [--peer-budget S] [--blocks B] [--block-iterations I]
//   [--batch B] [--chains N] [--steps K] [--width W] [--no-stages] [--variant lanes|tiled] [--out FILE]`:
// runs T2 alone after the ALU peak (bench/training/main.ts) and prints one JSON line per figure.
// `npm run bench -- --only t2` runs the same with the defaults.
import type { ViteDevServer } from 'vite';
import { trainingMain } from '../training/main';
import { T2 } from './t2-spec';

export const main = (vite: ViteDevServer, args: string[]): Promise<number> => trainingMain(vite, args, T2);
