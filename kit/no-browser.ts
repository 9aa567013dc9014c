// The GPU kit has no browser and no Vite: its build (kit/build.ts) points
// `puppeteer` and `vite` here, so that code which can start them (the
// Chromium host) still bundles, and says why it cannot run if it ever does.
const refuse = (what: string) => () => {
  throw new Error(`${what} is not in the GPU kit: the kit runs everything on the Node host (Dawn)`);
};

export const createServer = refuse('Vite');
export const launch = refuse('Chromium (puppeteer)');
export const connect = refuse('Chromium (puppeteer)');
export default { launch, connect, executablePath: () => '' };
