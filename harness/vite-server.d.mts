import type { ViteDevServer } from 'vite';
export declare const ROOT: string;
export declare const INSECURE_HOST: string;
export declare function startVite(): Promise<ViteDevServer>;
export declare function serverOrigin(vite: ViteDevServer): string;
