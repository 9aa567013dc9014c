// Standalone kernels (src/device/standalone.ts, the build's dist/wgsl/): every
// entry point of every kernel file, composed as the library composes it, with
// an interface read from the sources; the layout formulas (src/mlp/layout.ts)
// as one module without imports, the same the library uses.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { WgslReflect } from 'wgsl_reflect';
import { paramLayout, type MlpSpec } from '../../src/index';
import {
  SHADER_FILES, composeShader, dispatchRules, kernelFiles, mlpLayoutValues, reflectShader, scratchLayout, shaderFilesFor, standaloneInterface,
  standaloneKernels, MLP_CHAINS,
} from '../../src/kernels';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const kernels = standaloneKernels();
const byName = (name: string) => kernels.find((k) => k.name === name)!;

describe('standalone kernels', () => {
  it('one per @compute entry point of every kernel file, each with a dispatch rule', () => {
    const entries = kernelFiles().flatMap((f) => new WgslReflect(composeShader(f, shaderFilesFor(false), f === 'fdiv_loss.wgsl' ? SHADER_FILES['divergence_custom_default.wgsl'] : '')).entry.compute.map((e) => `${f.replace('.wgsl', '')}.${e.name}`));
    expect(kernels.map((k) => k.name).sort()).toEqual(entries.sort());
    expect(kernels.length).toBeGreaterThanOrEqual(20);
    for (const k of kernels) expect(Object.keys(dispatchRules(SHADER_FILES[k.file])), k.file).toContain(k.entryPoint);
  });

  it('is the module the library compiles; a subgroups variant exactly where the composition differs', () => {
    for (const k of kernels) {
      expect(k.variants.plain).toBe(composeShader(k.file, shaderFilesFor(false), k.userCode ? SHADER_FILES[k.userCode.file] : ''));
      const sub = composeShader(k.file, shaderFilesFor(true), k.userCode ? SHADER_FILES[k.userCode.file] : '');
      if (sub === k.variants.plain) expect(k.variants.subgroups, k.name).toBeUndefined();
      else {
        expect(k.variants.subgroups).toBe(sub);
        expect(sub.startsWith('enable subgroups;')).toBe(true);
      }
    }
    expect(byName('langevin.lgv_sample').variants.subgroups).toBeDefined();
    expect(byName('optim.optim_step').variants.subgroups).toBeUndefined();
    expect(byName('fdiv_loss.loss_weights').userCode?.file).toBe('divergence_custom_default.wgsl');
  });

  it('lists the bindings its entry point uses, with the library reflection\'s sizes and struct layouts', () => {
    for (const k of kernels) {
      const all = reflectShader(k.variants.plain).bindings;
      for (const b of k.bindings) {
        const lib = all.find((x) => x.name === b.name)!;
        expect([b.group, b.binding, b.kind], `${k.name} ${b.name}`).toEqual([lib.group, lib.binding, lib.kind]);
        expect(b.size ?? b.elementSize).toBe(lib.size);
        if (lib.struct) {
          const s = k.structs[lib.struct.name];
          expect(s.size).toBe(lib.struct.size);
          for (const m of s.members) expect([m.offset, m.size], `${lib.struct.name}.${m.name}`).toEqual([lib.struct.members[m.name].offset, lib.struct.members[m.name].size]);
        }
      }
    }
    // lgv_advance touches only its uniform and the counters: a pipeline with layout 'auto' has exactly these.
    expect(byName('langevin.lgv_advance').bindings.map((b) => b.name)).toEqual(['lgv', 'lgv_counters']);
  });

  it('every override has its default and its meaning; constants come with their values', () => {
    for (const k of kernels) {
      for (const o of k.overrides) {
        expect(o.default, `${k.name} ${o.name}`).not.toBeNull();
        expect(o.doc.length, `${k.name}: override ${o.name} needs a comment above it`).toBeGreaterThan(10);
      }
    }
    const lgv = byName('langevin.lgv_sample');
    expect(lgv.overrides.map((o) => o.name)).toEqual(['MLP_ACTIVATION', 'MLP_GROUP', 'LGV_ENERGY_VALUE']);
    expect(lgv.constants.MLP_CHAINS).toBe(MLP_CHAINS);
    expect(lgv.workgroupSize).toEqual(['MLP_GROUP', 1, 1]);
  });

  it('dispatch rules name only uniform members the entry point binds, constants and overrides', () => {
    for (const k of kernels) {
      if (k.dispatch.kind === 'workgroup') continue;
      const expressions = k.dispatch.kind === 'grid' ? k.dispatch.grid! : [k.dispatch.invocations!];
      for (const name of expressions.flatMap((e) => e.match(/[A-Za-z_][A-Za-z0-9_.]*/g) ?? [])) {
        const [binding, member] = name.split('.');
        // The tiled MLP kernels' grids name `layer`, the MlpLayer of the dispatch's layer (mlp.layers[step.layer]).
        if (binding === 'layer' && k.structs.MlpTiledStep) {
          expect(k.structs.MlpLayer.members.map((m) => m.name), `${k.name}: ${name}`).toContain(member);
        } else if (member !== undefined) {
          const b = k.bindings.find((x) => x.name === binding);
          expect(b?.kind, `${k.name}: ${name}`).toBe('uniform');
          expect(k.structs[b!.struct!].members.map((m) => m.name), `${k.name}: ${name}`).toContain(member);
        } else {
          expect(name in k.constants || k.overrides.some((o) => o.name === name), `${k.name}: ${name}`).toBe(true);
        }
      }
    }
    expect(() => dispatchRules('// dispatch f: every invocation\nfn f() {}')).toThrow(/neither "1 workgroup"/);
    expect(dispatchRules('// dispatch f: (a.n / 32u) x (B) workgroups\nfn f() {}').f).toEqual({ kind: 'grid', grid: ['a.n / 32u', 'B'] });
  });

  it('the JSON interface is plain data naming its files', () => {
    const iface = standaloneInterface(byName('langevin.lgv_sample'));
    expect(JSON.parse(JSON.stringify(iface))).toEqual(iface);
    expect(iface.files).toEqual({ plain: 'langevin.lgv_sample.wgsl', subgroups: 'langevin.lgv_sample.subgroups.wgsl' });
    expect(iface).not.toHaveProperty('variants');
    expect(byName('langevin.lgv_sample').structs.MlpLayout.fill).toBe('mlp-layout.js mlpLayoutValues');
  });
});

describe('the layout formulas (src/mlp/layout.ts, shipped as mlp-layout.js)', () => {
  it('import nothing', () => {
    const text = readFileSync(join(ROOT, 'src', 'mlp', 'layout.ts'), 'utf8');
    expect(text).not.toMatch(/^\s*(import|export\s+[^;]*\sfrom)\s/m);
  });

  it('fill every member of the MlpLayout uniform but its padding, for every layer', () => {
    const spec: MlpSpec = { inputDim: 5, hidden: [7, 130, 3, 9], activation: 'tanh' };
    const layout = paramLayout(spec);
    const scratch = scratchLayout(layout, 37, 16);
    const values = mlpLayoutValues(layout.layers, scratch, spec.inputDim, 37);
    const struct = byName('mlp_forward.forward').structs;
    const expected = struct.MlpLayout.members.filter((m) => !m.name.startsWith('pad') && m.name !== 'layers').map((m) => m.name);
    for (let l = 0; l < layout.layers.length; l++) for (const m of struct.MlpLayer.members) expected.push(`layers.${l}.${m.name}`);
    expect(Object.keys(values).sort()).toEqual(expected.sort());
    expect(values.batch_padded).toBe(scratch.batchPadded);
    expect(values.batch_padded % (MLP_CHAINS * 16)).toBe(0);
  });
});
