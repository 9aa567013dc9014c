// `npm run gpu-kit [-- OUT]`: assembles the GPU kit, one folder (default
// out/gpu-kit, at most 60 MiB) that runs the benchmarks and the kernel tests
// on a bare Linux x86-64 machine with a GPU driver and nothing else
// (docs/gpu-kit.md):
//   run.sh                 the one command: prints the adapter and every figure as JSON lines
//   node.gz                this Node binary (stripped where `strip` exists), gzipped
//   dawn.node.gz           Dawn for Node, from the npm package webgpu, gzipped
//   lib/libvulkan.so.1     the Vulkan loader of Debian's libvulkan1 (used where the machine has none)
//   kit.mjs, kernel-tests/bundle/tests.mjs, chunks/   the benchmark (kit/main.ts) and the kernel tests (the
//                          project's KERNEL_TESTS, on node:test with Vitest's expect), bundled
//   peers/peers.py, peers/reference.json   PyTorch (CUDA) peers and their float64 checks
//   LICENSES/              the licences of what the kit carries
// Linux x86-64 only: the Node binary is this machine's.

import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { gzipSync } from 'node:zlib';
import { build, type ViteDevServer } from 'vite';
import { KERNEL_TESTS } from '../vite.config';

/** The kit's size limit: small enough to copy to a machine without network (60 MiB). */
export const KIT_LIMIT_BYTES = 60 * 2 ** 20;

const log = (line: string) => process.stderr.write(`gpu-kit: ${line}\n`);

function run(cmd: string, args: string[], cwd?: string): string {
  return execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

function gzipTo(source: string, target: string): void {
  writeFileSync(target, gzipSync(readFileSync(source), { level: 9 }));
}

/** Debian's libvulkan1: the installed one, or the package's file fetched with apt-get download. */
function vulkanLoader(work: string): { so: string; copyright?: string } {
  try {
    const files = run('dpkg', ['-L', 'libvulkan1']).split('\n');
    const so = files.find((f) => f.endsWith('/libvulkan.so.1'));
    if (so && existsSync(so)) return { so: realpathSync(so), copyright: files.find((f) => f.endsWith('/copyright')) };
  } catch {
    // Not installed: fetch the package below.
  }
  log('libvulkan1 is not installed: apt-get download libvulkan1');
  run('apt-get', ['download', 'libvulkan1'], work);
  const deb = readdirSync(work).find((f) => f.startsWith('libvulkan1_') && f.endsWith('.deb'));
  if (!deb) throw new Error('apt-get download libvulkan1 gave no .deb');
  run('dpkg-deb', ['-x', deb, 'deb'], work);
  const found = run('find', [join(work, 'deb'), '-name', 'libvulkan.so.1*', '-type', 'f']).trim().split('\n')[0];
  if (!found) throw new Error('libvulkan1 holds no libvulkan.so.1');
  return { so: found, copyright: join(work, 'deb/usr/share/doc/libvulkan1/copyright') };
}

function sizeOf(dir: string): number {
  let total = 0;
  for (const f of readdirSync(dir)) {
    const p = join(dir, f);
    const s = statSync(p);
    total += s.isDirectory() ? sizeOf(p) : s.size;
  }
  return total;
}

export async function main(vite: ViteDevServer, argv: string[]): Promise<number> {
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    log(`the kit is for Linux x86-64 and carries this machine's Node: this is ${process.platform}-${process.arch}`);
    return 2;
  }
  const root = vite.config.root;
  const out = argv[0] ?? join(root, 'out', 'gpu-kit');
  const work = mkdtempSync(join(tmpdir(), 'febm-gpu-kit-'));
  rmSync(out, { recursive: true, force: true });
  mkdirSync(join(out, 'lib'), { recursive: true });
  mkdirSync(join(out, 'peers'), { recursive: true });
  mkdirSync(join(out, 'LICENSES'), { recursive: true });
  try {
    // 1. The code: the benchmark program and the kernel tests, bundled for Node with everything they import.
    const testsEntry = join(work, 'tests.ts');
    writeFileSync(testsEntry, `// The kernel tests (vite.config.ts KERNEL_TESTS), for node:test.\n${KERNEL_TESTS.map((f) => `import ${JSON.stringify(join(root, f))};`).join('\n')}\n`);
    const stub = join(root, 'kit/no-browser.ts');
    log(`bundling kit/main.ts and ${KERNEL_TESTS.length} kernel test files`);
    await build({
      configFile: false,
      root,
      logLevel: 'warn',
      resolve: {
        alias: [
          { find: /^wgsl_reflect$/, replacement: 'wgsl_reflect/wgsl_reflect.module.js' },
          { find: /^vitest$/, replacement: join(root, 'kit/vitest-shim.ts') },
          { find: /^puppeteer$/, replacement: stub },
          { find: /^vite$/, replacement: stub },
        ],
      },
      ssr: { noExternal: true, target: 'node' },
      build: {
        ssr: true,
        outDir: out,
        emptyOutDir: false,
        target: 'node20',
        minify: false,
        copyPublicDir: false,
        rollupOptions: {
          input: { kit: join(root, 'kit/main.ts'), tests: testsEntry },
          // Dawn is loaded from the kit's dawn.node (FEBM_DAWN_NODE); the JavaScript peers need a page and are never loaded here.
          external: [/^node:/, 'webgpu', /^@tensorflow\//, /^@jax-js\//],
          // The tests sit two folders deep, as in the repository (test/<concept>/), so that a test's
          // new URL('../../bench/...', import.meta.url) finds the file copied below.
          output: {
            format: 'es',
            entryFileNames: (chunk) => (chunk.name === 'tests' ? 'kernel-tests/bundle/tests.mjs' : '[name].mjs'),
            chunkFileNames: 'chunks/[name]-[hash].mjs',
          },
        },
      },
    });
    // Test files that read repository files next to them (r0-kernels: bench/r0/matmul.wgsl) find them at the same relative place.
    mkdirSync(join(out, 'bench/r0'), { recursive: true });
    copyFileSync(join(root, 'bench/r0/matmul.wgsl'), join(out, 'bench/r0/matmul.wgsl'));

    // 2. Node: this binary, stripped of its debug information where binutils' strip exists.
    const node = join(work, 'node');
    copyFileSync(process.execPath, node);
    try {
      run('strip', [node]);
    } catch {
      log('no strip here: the Node binary goes in with its symbols');
    }
    gzipTo(node, join(out, 'node.gz'));
    for (const lic of ['/usr/share/doc/nodejs/copyright', '/usr/share/doc/nodejs/LICENSE']) {
      if (existsSync(lic)) copyFileSync(lic, join(out, 'LICENSES', 'node.txt'));
    }

    // 3. Dawn from the npm package webgpu.
    const pkg = join(root, 'node_modules/webgpu');
    const dawn = join(pkg, 'dist/linux-x64/dawn.node');
    if (!existsSync(dawn)) throw new Error(`${dawn} is missing: npm install webgpu (an optional dependency)`);
    gzipTo(dawn, join(out, 'dawn.node.gz'));
    copyFileSync(join(pkg, 'LICENSE.md'), join(out, 'LICENSES', 'dawn-node-webgpu.md'));

    // 4. The Vulkan loader.
    const vk = vulkanLoader(work);
    copyFileSync(vk.so, join(out, 'lib/libvulkan.so.1'));
    if (vk.copyright && existsSync(vk.copyright)) copyFileSync(vk.copyright, join(out, 'LICENSES', 'libvulkan1.txt'));

    // 5. The PyTorch peers and their float64 references.
    copyFileSync(join(root, 'kit/peers/peers.py'), join(out, 'peers/peers.py'));
    const { peerReference } = (await vite.ssrLoadModule('/kit/peers/reference.ts')) as typeof import('./peers/reference');
    writeFileSync(join(out, 'peers/reference.json'), `${JSON.stringify(peerReference())}\n`);

    // 6. The start script.
    copyFileSync(join(root, 'kit/run.sh'), join(out, 'run.sh'));
    chmodSync(join(out, 'run.sh'), 0o755);
    let version = 'unknown (not built from a git checkout)';
    try {
      version = run('git', ['describe', '--always', '--dirty'], root).trim();
    } catch {
      // Built from a copy without .git.
    }
    writeFileSync(join(out, 'VERSION'), `febm-gpu ${version}, built ${new Date().toISOString()}\n`);

    const bytes = sizeOf(out);
    log(`${relative(process.cwd(), out) || out}: ${(bytes / 2 ** 20).toFixed(1)} MiB (limit ${KIT_LIMIT_BYTES / 2 ** 20} MiB)`);
    for (const f of readdirSync(out)) {
      const p = join(out, f);
      log(`  ${f.padEnd(16)} ${((statSync(p).isDirectory() ? sizeOf(p) : statSync(p).size) / 2 ** 20).toFixed(2)} MiB`);
    }
    if (bytes > KIT_LIMIT_BYTES) {
      log('over the limit');
      return 1;
    }
    return 0;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
