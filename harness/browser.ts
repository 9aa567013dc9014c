// Which Chromium to drive, in order: $FEBM_CHROME; the Chrome that Puppeteer
// downloaded, where the full `puppeteer` package is installed and did; the
// system's chromium, chromium-browser or google-chrome; otherwise an error
// that says how to install one. The runner itself needs only puppeteer-core.

import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';

export class BrowserNotFoundError extends Error {
  override name = 'BrowserNotFoundError';
}

const SYSTEM_BROWSERS = ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable'];

function onPath(name: string): string | null {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const p = join(dir, name);
    if (dir && existsSync(p)) return p;
  }
  return null;
}

/** The Chrome the full `puppeteer` package downloaded, if it is installed and did. */
async function puppeteerChrome(): Promise<string | null> {
  try {
    const name = 'puppeteer';
    const { default: puppeteer } = (await import(/* @vite-ignore */ name)) as { default: { executablePath(): string } };
    const own = puppeteer.executablePath();
    return own && existsSync(own) ? own : null;
  } catch {
    // Not installed, or it did not download a browser (skipDownload).
    return null;
  }
}

export async function resolveBrowser(env: NodeJS.ProcessEnv = process.env): Promise<{ path: string; source: string }> {
  const fromEnv = env.FEBM_CHROME;
  if (fromEnv) {
    if (!existsSync(fromEnv)) throw new BrowserNotFoundError(`FEBM_CHROME names ${fromEnv}, which does not exist`);
    return { path: fromEnv, source: 'FEBM_CHROME' };
  }
  const own = await puppeteerChrome();
  if (own) return { path: own, source: 'puppeteer' };
  for (const name of SYSTEM_BROWSERS) {
    const p = onPath(name);
    if (p) return { path: p, source: 'system' };
  }
  throw new BrowserNotFoundError(
    'no Chromium found: set FEBM_CHROME to a Chrome or Chromium executable, or install one ' +
      '(Debian/Ubuntu: apt-get install chromium; or npx puppeteer browsers install chrome)',
  );
}

/** Flags WebGPU needs headless, and the ones that keep Chromium off a closed network. */
export function chromiumArgs(options: { webgpu: boolean; userDataDir: string; insecureHost?: string }): string[] {
  const args = [
    '--no-sandbox',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--no-first-run',
    '--disable-quic',
    '--disable-dev-shm-usage',
    `--user-data-dir=${options.userDataDir}`,
  ];
  if (options.webgpu) args.push('--enable-unsafe-webgpu');
  // A name that resolves to loopback but is not "potentially trustworthy":
  // a real non-secure context, for testing that error.
  if (options.insecureHost) args.push(`--host-resolver-rules=MAP ${options.insecureHost} 127.0.0.1`);
  return args;
}
