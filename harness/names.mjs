// Names shared by the plain-JavaScript server (harness/vite-server.mjs) and
// the TypeScript runner (harness/runner.ts).

/** The host name mapped to 127.0.0.1 in the browser to give a page a non-secure context. */
export const INSECURE_HOST = 'febm-insecure.test';
