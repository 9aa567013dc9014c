// `npm run build` (and `prepack`, so that `npm pack` and `npm publish` build
// what the package ships): everything an installed package needs, in dist/.
//   dist/lib/        the library, ES modules: index.js ('febm-gpu'),
//                    kernels.js ('febm-gpu/kernels'), shared chunks
//   dist/types/      its declarations, with relative imports that name
//                    their .js files (TypeScript's nodenext resolution wants
//                    them; tsc keeps the sources' extensionless specifiers)
//   dist/page/       the command's jobs page, prebuilt (an installed package
//                    has no Vite dev server and no TypeScript)
//   dist/cli/        the command (bin/febm-gpu.mjs runs febm-gpu.js)
//   dist/wgsl/       every kernel entry point as a standalone WGSL module
//                    (and its subgroups variant) with a JSON interface, and
//                    mlp-layout.js (src/mlp/layout.ts, the layout formulas)
// wgsl_reflect is imported as its ES module build (its "main" is CommonJS
// inside a "type": "module" package, which Node refuses).

import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'vite';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const DIST = join(ROOT, 'dist');
const WGSL_REFLECT = 'wgsl_reflect/wgsl_reflect.module.js';
const require = createRequire(import.meta.url);

/** Keeps wgsl_reflect out of the bundle, imported as its ES module build. */
const wgslReflectModule = {
  name: 'febm-wgsl-reflect-module',
  enforce: 'pre',
  resolveId(id) {
    if (id === 'wgsl_reflect' || id === WGSL_REFLECT) return { id: WGSL_REFLECT, external: true };
    return null;
  },
};

const common = { root: ROOT, configFile: false, logLevel: 'warn', clearScreen: false };

/** The library's dependencies stay imports (a project that installs the package installs them once). */
const DEPENDENCIES = Object.keys(JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).dependencies ?? {});
const isDependency = (id) => id !== 'wgsl_reflect' && DEPENDENCIES.some((d) => id === d || id.startsWith(`${d}/`));

async function library() {
  await build({
    ...common,
    plugins: [wgslReflectModule],
    build: {
      outDir: join(DIST, 'lib'),
      emptyOutDir: true,
      minify: false,
      sourcemap: true,
      lib: { entry: { index: 'src/index.ts', kernels: 'src/kernels.ts' }, formats: ['es'], fileName: (_format, name) => `${name}.js` },
      rollupOptions: { external: isDependency, output: { chunkFileNames: 'chunks/[name]-[hash].js' } },
    },
  });
  // The layout formulas alone: a module without imports, for lifted kernels.
  await build({
    ...common,
    build: {
      outDir: join(DIST, 'wgsl'),
      emptyOutDir: true,
      minify: false,
      lib: { entry: { 'mlp-layout': 'src/mlp/layout.ts' }, formats: ['es'], fileName: (_format, name) => `${name}.js` },
    },
  });
}

/** Relative specifiers of emitted declarations, made explicit: './x' -> './x.js' or './x/index.js'. */
function fixDeclarationSpecifiers(dir) {
  let files = 0;
  const walk = (d) => {
    for (const name of readdirSync(d)) {
      const path = join(d, name);
      if (statSync(path).isDirectory()) walk(path);
      else if (name.endsWith('.d.ts')) {
        const text = readFileSync(path, 'utf8');
        const fixed = text.replace(/((?:from|import)\s*\(?\s*['"])(\.{1,2}\/[^'"]*)(['"])/g, (whole, head, spec, tail) => {
          if (/\.(js|mjs|json)$/.test(spec)) return whole;
          const target = resolve(dirname(path), spec);
          if (existsSync(`${target}.d.ts`)) return `${head}${spec}.js${tail}`;
          if (existsSync(join(target, 'index.d.ts'))) return `${head}${spec}/index.js${tail}`;
          throw new Error(`${relative(ROOT, path)}: cannot resolve ${spec}`);
        });
        if (fixed !== text) writeFileSync(path, fixed);
        files++;
      }
    }
  };
  walk(dir);
  return files;
}

function types() {
  rmSync(join(DIST, 'types'), { recursive: true, force: true });
  execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', join(ROOT, 'tsconfig.build.json')], { stdio: 'inherit' });
  const files = fixDeclarationSpecifiers(join(DIST, 'types'));
  // The WebGPU types the declarations use (GPUBuffer, GPUDevice, ...), for projects that do not list them.
  for (const entry of ['index.d.ts', 'kernels.d.ts']) {
    const path = join(DIST, 'types', 'src', entry);
    writeFileSync(path, `/// <reference types="@webgpu/types" />\n${readFileSync(path, 'utf8')}`);
  }
  // The layout module's declarations beside it in dist/wgsl/.
  writeFileSync(join(DIST, 'wgsl', 'mlp-layout.d.ts'), readFileSync(join(DIST, 'types', 'src', 'mlp', 'layout.d.ts'), 'utf8'));
  return files;
}

async function page() {
  await build({
    ...common,
    plugins: [{ name: 'febm-wgsl-reflect-alias', enforce: 'pre', resolveId: (id) => (id === 'wgsl_reflect' ? require.resolve(WGSL_REFLECT) : null) }],
    build: { outDir: join(DIST, 'page'), emptyOutDir: true, rollupOptions: { input: join(ROOT, 'harness', 'index.html') } },
  });
}

async function command() {
  await build({
    ...common,
    plugins: [wgslReflectModule],
    build: {
      outDir: join(DIST, 'cli'),
      emptyOutDir: true,
      minify: false,
      ssr: 'cli/platforms.ts',
      rollupOptions: { output: { entryFileNames: 'febm-gpu.js', chunkFileNames: 'chunks/[name]-[hash].js' } },
    },
    ssr: { target: 'node' },
  });
}

/** dist/wgsl/: every standalone kernel and its interface, from the library just built. */
async function kernels() {
  const { standaloneKernels, standaloneInterface } = await import(pathToFileURL(join(DIST, 'lib', 'kernels.js')).href);
  const out = join(DIST, 'wgsl');
  mkdirSync(out, { recursive: true });
  const index = [];
  for (const k of standaloneKernels()) {
    const iface = standaloneInterface(k);
    writeFileSync(join(out, `${k.name}.wgsl`), k.variants.plain);
    if (k.variants.subgroups) writeFileSync(join(out, `${k.name}.subgroups.wgsl`), k.variants.subgroups);
    writeFileSync(join(out, `${k.name}.json`), `${JSON.stringify(iface, null, 2)}\n`);
    index.push({ name: k.name, file: k.file, entryPoint: k.entryPoint, files: iface.files, interface: `${k.name}.json` });
  }
  writeFileSync(join(out, 'index.json'), `${JSON.stringify({ kernels: index, layout: 'mlp-layout.js' }, null, 2)}\n`);
  return index.length;
}

const t0 = performance.now();
rmSync(DIST, { recursive: true, force: true });
const step = async (name, fn) => {
  const t = performance.now();
  const r = await fn();
  process.stderr.write(`build: ${name} in ${((performance.now() - t) / 1000).toFixed(1)} s${r !== undefined ? ` (${r})` : ''}\n`);
};
await step('library', library);
await step('types', async () => `${types()} declaration files`);
await step('jobs page', page);
await step('command', command);
await step('standalone kernels', async () => `${await kernels()} entry points`);
process.stderr.write(`build: dist/ in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
