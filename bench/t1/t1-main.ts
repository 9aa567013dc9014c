// `node bin/febm.mjs bench/t1/t1-main.ts [--quick] [--impl NAME]... [--peer-budget S] [--blocks B] [--block-iterations I]
//   [--batch B] [--chains N] [--steps K] [--width W] [--no-stages] [--variant lanes|tiled] [--out FILE]`:
// runs T1 alone after the ALU peak (bench/training/main.ts) and prints one JSON line per figure.
// `npm run bench -- --only t1` runs the same with the defaults.
import type { ViteDevServer } from 'vite';
import { trainingMain } from '../training/main';
import { T1 } from './t1-spec';

export const main = (vite: ViteDevServer, args: string[]): Promise<number> => trainingMain(vite, args, T1);
