import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ViteDevServer } from 'vite';
export declare const ROOT: string;
export declare const INSECURE_HOST: string;
export declare function startVite(): Promise<ViteDevServer>;
export declare function mount(vite: ViteDevServer, handler: (req: IncomingMessage, res: ServerResponse, next: () => void) => void): void;
export declare function serverOrigin(vite: ViteDevServer): string;
