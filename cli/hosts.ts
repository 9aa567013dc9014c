// The hosts the command line can run its jobs on (harness/host.ts): headless
// Chromium (harness/runner.ts), its pages served by the platform's page
// server, or this Node process on Dawn with no browser
// (harness/node-host.ts). The commands take one through CommandEnv.startHost
// and never see which it is; docs/hosts.md says why Chromium is the default.

export { DEFAULT_HOST, HOST_KINDS, HOST_OPTION, hostArg } from '../harness/host';

import { DEFAULT_HOST, type HostKind, type HostProvider } from '../harness/host';
import { APP_JOBS } from '../harness/app-jobs';
import { NodeHostProvider } from '../harness/node-host';
import { Runner, type PageServer } from '../harness/runner';

export interface HostOptions {
  /** Progress and page console lines. */
  log?: (line: string) => void;
}

/** Starts a host of the given kind; `pageServer` serves the jobs page where the host is a browser. */
export async function startHost(kind: HostKind, pageServer: () => Promise<PageServer>, options: HostOptions = {}): Promise<HostProvider> {
  switch (kind) {
    case 'chromium':
      return Runner.start({ server: await pageServer(), ...(options.log ? { log: options.log } : {}) });
    case 'node':
      return NodeHostProvider.start({ modules: APP_JOBS, ...(options.log ? { log: options.log } : {}) });
  }
}
