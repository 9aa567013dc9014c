// The hosts the command line can run its jobs on (harness/host.ts). Today
// one: Chromium (harness/runner.ts), its pages served by the platform's page
// server. Another host (e.g. Node on Dawn's WebGPU) adds its kind to
// HOST_KINDS and a case to startHost; the commands take it through
// CommandEnv.startHost and never see which it is.

import type { HostKind, HostProvider } from '../harness/host';
import { Runner, type PageServer } from '../harness/runner';

export const HOST_KINDS: readonly HostKind[] = ['chromium'];

export interface HostOptions {
  /** Progress and page console lines. */
  log?: (line: string) => void;
}

/** Starts a host of the given kind; `pageServer` serves the jobs page where the host is a browser. */
export async function startHost(kind: HostKind, pageServer: () => Promise<PageServer>, options: HostOptions = {}): Promise<HostProvider> {
  switch (kind) {
    case 'chromium':
      return Runner.start({ server: await pageServer(), ...(options.log ? { log: options.log } : {}) });
  }
}
