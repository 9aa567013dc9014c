// Shader composition and reflection: the WGSL files are the single source of
// truth for bindings and struct layouts.
import { execSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { composeShader, packStruct, reflectShader, requiredFiles, SHADER_FILES, shaderFilesFor } from '../../src/device/shader';
import { MLP_CHAINS, MLP_GROUP, mlpGroupFor, scratchLayout } from '../../src/mlp/program';
import { paramLayout } from '../../src/mlp/params';

describe('shader files', () => {
  const files = Object.keys(SHADER_FILES).sort();

  it('are all found', () => {
    for (const f of ['activations.wgsl', 'mlp.wgsl', 'mlp_forward.wgsl', 'mlp_input_grad.wgsl', 'mlp_param_grad.wgsl']) {
      expect(files).toContain(f);
    }
  });

  it.each(files)('%s starts with a header comment and composes with its requirements', (f) => {
    expect(SHADER_FILES[f].trimStart().startsWith('//')).toBe(true);
    const code = composeShader(f);
    for (const dep of requiredFiles(SHADER_FILES[f])) expect(code).toContain(`// ---- ${dep}`);
    expect(() => reflectShader(code)).not.toThrow();
  });

  it.each(files.filter((f) => /@group\(/.test(SHADER_FILES[f])))('%s documents every binding in its header', (f) => {
    const header = SHADER_FILES[f].split('\n').filter((l) => l.startsWith('//')).join('\n');
    for (const b of reflectShader(composeShader(f)).bindings) expect(header).toContain(b.name);
  });
});

// Kernels of the applications and tests (the 1-D experiment, the benchmarks,
// test-only kernels) live beside the code that runs them and compose with the
// library's files: the same header rules apply.
describe('the applications\' and tests\' shader files', () => {
  const root = new URL('../../', import.meta.url).pathname;
  const own = execSync('git ls-files --cached --others --exclude-standard "*.wgsl"', { cwd: root, encoding: 'utf8' })
    .split('\n')
    .filter((f) => f.endsWith('.wgsl') && !f.startsWith('shaders/'));
  const text = Object.fromEntries(own.map((f) => [f.slice(f.lastIndexOf('/') + 1), readFileSync(root + f, 'utf8')]));

  it('exist outside shaders/, and none has a library file\'s name', () => {
    expect(own.length).toBeGreaterThan(0);
    for (const name of Object.keys(text)) expect(SHADER_FILES[name]).toBeUndefined();
  });

  it.each(own)('%s starts with a header comment, composes and documents every binding', (f) => {
    const name = f.slice(f.lastIndexOf('/') + 1);
    expect(text[name].trimStart().startsWith('//')).toBe(true);
    const code = composeShader(name, { ...SHADER_FILES, ...text });
    const header = text[name].split('\n').filter((l) => l.startsWith('//')).join('\n');
    for (const b of reflectShader(code).bindings) expect(header).toContain(b.name);
  });
});

describe('composition', () => {
  const files = {
    'a.wgsl': '// a\nfn a() {}',
    'b.wgsl': '// b\n// requires: a.wgsl\nfn b() { a(); }',
    'c.wgsl': '// c\n// requires: b.wgsl, a.wgsl\nfn c() { b(); }',
    'loop1.wgsl': '// requires: loop2.wgsl',
    'loop2.wgsl': '// requires: loop1.wgsl',
  };

  it('puts each requirement once, dependencies first', () => {
    const code = composeShader('c.wgsl', files);
    expect(code.indexOf('fn a()')).toBeLessThan(code.indexOf('fn b()'));
    expect(code.indexOf('fn b()')).toBeLessThan(code.indexOf('fn c()'));
    expect(code.match(/fn a\(\)/g)).toHaveLength(1);
  });

  it('adds user code just before the file itself', () => {
    const code = composeShader('b.wgsl', files, 'fn user() {}');
    expect(code.indexOf('fn a()')).toBeLessThan(code.indexOf('fn user()'));
    expect(code.indexOf('fn user()')).toBeLessThan(code.indexOf('fn b()'));
  });

  it('moves the libraries\' directives to the top, each once', () => {
    const lib = { ...files, 'e.wgsl': '// e\nenable subgroups;\nfn e() {}', 'f.wgsl': '// f\n// requires: e.wgsl, a.wgsl\nenable subgroups;\nfn f() { e(); a(); }' };
    const code = composeShader('f.wgsl', lib);
    expect(code.startsWith('enable subgroups;\n')).toBe(true);
    expect(code.match(/enable subgroups;/g)).toHaveLength(1);
    expect(code.indexOf('fn e()')).toBeLessThan(code.indexOf('fn f()'));
  });

  it('a device with subgroups composes the MLP kernels with the shared weight loads, one without with the plain ones', () => {
    const shared = composeShader('langevin.wgsl', shaderFilesFor(true));
    const plain = composeShader('langevin.wgsl', shaderFilesFor(false));
    expect(shared.startsWith('enable subgroups;')).toBe(true);
    expect(shared).toContain('subgroupBroadcast');
    expect(plain).not.toMatch(/enable subgroups|subgroupBroadcast/);
    for (const code of [shared, plain]) expect(reflectShader(code).entryPoints.map((e) => e.name)).toContain('lgv_sample');
  });

  it('reports missing files and cycles', () => {
    expect(() => composeShader('nope.wgsl', files)).toThrow(/nope\.wgsl not found/);
    expect(() => composeShader('loop1.wgsl', files)).toThrow(/cycle: loop1\.wgsl -> loop2\.wgsl -> loop1\.wgsl/);
  });
});

describe('reflection and struct packing', () => {
  const iface = reflectShader(composeShader('mlp_param_grad.wgsl'));

  it('reads bindings and access modes from the WGSL', () => {
    expect(iface.bindings.map((b) => [b.binding, b.name, b.kind])).toEqual([
      [0, 'mlp', 'uniform'],
      [1, 'mlp_theta', 'read-only-storage'],
      [2, 'mlp_x', 'read-only-storage'],
      [3, 'mlp_scratch', 'storage'],
      [4, 'sample_weight', 'read-only-storage'],
      [5, 'grad', 'storage'],
    ]);
    expect(iface.entryPoints.map((e) => e.name).sort()).toEqual(['deltas', 'reduce', 'samples']);
    expect(iface.entryPoints[0].workgroupSize).toEqual([64, 1, 1]);
  });

  it('reads the uniform layout (WGSL uniform rules: arrays of 32-byte structs)', () => {
    const s = iface.bindings[0].struct!;
    expect(s.members.batch).toMatchObject({ offset: 0, scalar: 'u32' });
    expect(s.members.layers).toMatchObject({ offset: 32, count: 5, stride: 32 });
    expect(s.members.layers.element!.members.block_base.offset).toBe(28);
    expect(s.size).toBe(32 + 5 * 32);
  });

  it('packs values at the reflected offsets and rejects unknown names', () => {
    const s = iface.bindings[0].struct!;
    const buf = packStruct(s, { batch: 7, 'layers.2.in4': 33 });
    const u = new Uint32Array(buf);
    expect(u[0]).toBe(7);
    expect(u[(32 + 2 * 32 + 8) / 4]).toBe(33);
    expect(() => packStruct(s, { batchh: 1 })).toThrow(/no member batchh/);
    expect(() => packStruct(s, { 'layers.5.in4': 1 })).toThrow(/index out of range/);
  });

  it('packs f32 and i32 members by their WGSL type', () => {
    const { bindings } = reflectShader(
      'struct P { a: f32, b: i32, c: vec4<f32>, d: u32 }\n@group(0) @binding(0) var<uniform> p: P;\n@compute @workgroup_size(1) fn main() { _ = p.a; }',
    );
    const buf = packStruct(bindings[0].struct!, { a: 1.5, b: -3, d: 9 });
    const v = new DataView(buf);
    expect(v.getFloat32(0, true)).toBe(1.5);
    expect(v.getInt32(4, true)).toBe(-3);
    expect(v.getUint32(32, true)).toBe(9);
  });
});

describe('MLP scratch layout', () => {
  it('pads the batch to whole invocations and gives disjoint regions', () => {
    const layout = paramLayout({ inputDim: 2, hidden: [5, 3], activation: 'silu' });
    const s = scratchLayout(layout, 10);
    expect(s.batchPadded % MLP_CHAINS).toBe(0);
    expect(s.batchPadded).toBeGreaterThanOrEqual(10);
    // h, z, d of layer 0: 1, 2, 2 vec4 units per sample; layer 1: 2, 1, 1; layer 2: 1, -, 1.
    expect(s.vec4s).toBe((1 + 2 + 2 + 2 + 1 + 1 + 1 + 1) * s.batchPadded);
    // Reduce tiles: ceil(out4 / 2) row pairs x (ceil(in4 / 4) weight tiles + 1 bias tile) per layer.
    expect(s.blockCount).toBe(1 * (1 + 1) + 1 * (1 + 1) + 1 * (1 + 1));
    const wide = scratchLayout(paramLayout({ inputDim: 2, hidden: [20, 36], activation: 'silu' }), 10);
    // out4 x in4: 5 x 1, 9 x 5, 1 x 9.
    expect(wide.blockCount).toBe(3 * (1 + 1) + 5 * (2 + 1) + 1 * (3 + 1));
  });

  it('pads to whole workgroups of the chosen size: small batches are not padded to 512 samples', () => {
    const layout = paramLayout({ inputDim: 2, hidden: [8], activation: 'tanh' });
    expect([MLP_GROUP, MLP_CHAINS]).toEqual([64, 8]);
    expect(scratchLayout(layout, 10).batchPadded).toBe(32);
    expect(scratchLayout(layout, 10, 64).batchPadded).toBe(512);
    expect(scratchLayout(layout, 1025, 16)).toMatchObject({ group: 16, batchPadded: 1152 });
    expect(() => scratchLayout(layout, 10, 0)).toThrow(/group: must be an integer in \[1, 256\]/);
  });

  it('chooses the largest workgroup that still gives 8 workgroups (at least 4 lanes)', () => {
    const cases: [number, number][] = [[1, 4], [128, 4], [1016, 4], [1017, 16], [4088, 16], [4089, 64], [1 << 20, 64]];
    for (const [batch, group] of cases) expect([batch, mlpGroupFor(batch)]).toEqual([batch, group]);
  });
});
