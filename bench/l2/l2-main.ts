// `node bin/febm.mjs bench/l2/l2-main.ts [--quick] [--impl NAME]... [--n N]... [--width W]... [--runs R] [--cell-budget S] [--no-subgroups] [--variant lanes|tiled] [--out FILE]`:
// runs L2 alone (bench/langevin/) and prints one JSON line per figure; with --out, also writes them to FILE.
// `npm run bench` runs it with the other workloads.
import type { ViteDevServer } from 'vite';
import { langevinMain } from '../langevin/main';
import { L2 } from './l2-spec';

export const main = (vite: ViteDevServer, args: string[]): Promise<number> => langevinMain(vite, args, L2);
