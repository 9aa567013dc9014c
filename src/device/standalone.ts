// Every kernel entry point of the library as a standalone WGSL module, with
// its interface as data: what a WebGPU developer needs to run it without this
// library. All of it is read from the sources: the module is composed as the
// library composes it (composeShader: `// requires:` chains, with the
// subgroup weight loads where a device has subgroups, with the default user
// code where the module calls the custom-divergence functions); bindings,
// structs and entry points come from reflection (wgsl_reflect); `override`
// defaults, constants and the comments that explain them from the text; the
// dispatch rule from the kernel's header line
//   // dispatch <entry>: <expression> invocations      (workgroups of the entry's
//                                                       @workgroup_size, see `fold`)
//   // dispatch <entry>: 1 workgroup
//   // dispatch <entry>: (<x>) x (<y>) workgroups     (a 2-D grid, as it is)
// The build writes the result to dist/wgsl/ (one .wgsl per entry point and
// variant, one .json interface per entry point) with src/mlp/layout.ts as
// mlp-layout.js for the structs it fills.

import { ResourceType, WgslReflect, type MemberInfo, type StructInfo, type TypeInfo, type VariableInfo } from 'wgsl_reflect';
import { FebmError } from '../errors';
import { CUSTOM_WGSL_FUNCTIONS } from '../divergence/loss';
import { FILLED_STRUCTS } from '../mlp/layout';
import { SHADER_FILES, composeShader, requiredFiles, shaderFilesFor } from './shader';

export interface StandaloneMember {
  name: string;
  offset: number;
  size: number;
  /** The WGSL type, e.g. 'u32', 'vec4<f32>', 'array<MlpLayer, 5>'. */
  type: string;
  /** Arrays: element count and stride. */
  count?: number;
  stride?: number;
  /** The struct of the member (or of its elements). */
  struct?: string;
  /** The comment on the member's line, where the source has one. */
  doc?: string;
}

export interface StandaloneStruct {
  size: number;
  members: StandaloneMember[];
  /** Where a function computes the values (e.g. "mlp-layout.js mlpLayoutValues"). */
  fill?: string;
}

export interface StandaloneBinding {
  group: number;
  binding: number;
  name: string;
  kind: 'uniform' | 'storage' | 'read-only-storage';
  /** The WGSL type of the variable. */
  type: string;
  /** Bytes of the type; for a runtime-sized array, its element stride (elementSize). */
  size?: number;
  elementSize?: number;
  /** The struct of the binding (or of its elements). */
  struct?: string;
}

export interface StandaloneOverride {
  name: string;
  type: string;
  /** The default in the WGSL (a number, or a boolean). */
  default: number | boolean | null;
  /** The comment above its declaration. */
  doc: string;
}

export interface StandaloneDispatch {
  /** 'invocations': ceil(count / workgroup size) workgroups, folded; 'workgroup': exactly one; 'grid': x by y workgroups. */
  kind: 'invocations' | 'workgroup' | 'grid';
  /** The number of invocations, in terms of uniform members (binding.member), constants and overrides. */
  invocations?: string;
  /** 'grid': the workgroups along x and along y, in the same terms (the kernel's header defines any other name). */
  grid?: [string, string];
  /** How workgroups past the device's maxComputeWorkgroupsPerDimension are laid out. */
  fold?: string;
}

export interface StandaloneKernel {
  /** '<file stem>.<entry point>', the name of its files. */
  name: string;
  /** The source file in shaders/ and the entry point. */
  file: string;
  entryPoint: string;
  /** The composed modules: 'plain' always; 'subgroups' where the device's `subgroups` feature changes the composition. */
  variants: { plain: string; subgroups?: string };
  /** The files composed, dependencies first (the plain variant's). */
  composedFrom: string[];
  /** User code composed in (e.g. the custom divergence's default stubs), with what a caller may put in its place. */
  userCode: { file: string; replace: string } | null;
  workgroupSize: (number | string)[];
  dispatch: StandaloneDispatch;
  /** The bindings this entry point uses: exactly those of a pipeline with layout 'auto'. */
  bindings: StandaloneBinding[];
  /** Every struct the bindings use, with member offsets and sizes. */
  structs: Record<string, StandaloneStruct>;
  /** Every pipeline-overridable constant of the module. */
  overrides: StandaloneOverride[];
  /** Every scalar `const` of the module with a literal value. */
  constants: Record<string, number | boolean>;
  /** The kernel file's header comment: what it computes, bindings and layouts in words. */
  header: string;
}

const FOLD =
  'with g workgroups: dispatchWorkgroups(g) while g <= maxComputeWorkgroupsPerDimension (m), else dispatchWorkgroups(m, ceil(g / m)); ' +
  'the kernel ignores invocations past the count';

function typeName(t: TypeInfo | null | undefined): string {
  if (!t) return '?';
  const info = t as TypeInfo & { format?: TypeInfo | null; count?: number };
  if (t.isArray) return `array<${typeName(info.format)}${info.count ? `, ${info.count}` : ''}>`;
  if (t.isTemplate && info.format) return `${t.name}<${typeName(info.format)}>`;
  return t.name;
}

function structName(t: TypeInfo | null | undefined): string | undefined {
  if (!t) return undefined;
  if (t.isStruct) return t.name;
  const format = (t as TypeInfo & { format?: TypeInfo | null }).format;
  return format?.isStruct ? format.name : undefined;
}

/** Trailing `// ...` comments of each member line of `struct name { ... }` in the source. */
function memberDocs(code: string, name: string): Record<string, string> {
  const m = new RegExp(`struct\\s+${name}\\s*\\{([\\s\\S]*?)\\n\\}`).exec(code);
  const out: Record<string, string> = {};
  if (!m) return out;
  for (const line of m[1].split('\n')) {
    const d = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*:[^/]*\/\/\s*(.*)$/.exec(line);
    if (d) out[d[1]] = d[2].trim();
  }
  return out;
}

function collectStruct(s: StructInfo, code: string, into: Record<string, StandaloneStruct>): void {
  if (into[s.name]) return;
  const docs = memberDocs(code, s.name);
  const members: StandaloneMember[] = [];
  into[s.name] = { size: s.size, members };
  for (const m of s.members as MemberInfo[]) {
    const member: StandaloneMember = { name: m.name, offset: m.offset, size: m.size, type: typeName(m.type) };
    if (m.isArray) {
      member.count = m.count;
      member.stride = m.stride;
    }
    const inner = m.isStruct ? (m.type as StructInfo) : m.isArray && m.format?.isStruct ? (m.format as StructInfo) : null;
    if (inner) {
      member.struct = inner.name;
      collectStruct(inner, code, into);
    }
    if (docs[m.name]) member.doc = docs[m.name];
    members.push(member);
  }
  const fill = (FILLED_STRUCTS as Record<string, string>)[s.name];
  if (fill) into[s.name].fill = `mlp-layout.js ${fill}`;
}

/** The comment lines right above `override NAME`. */
function docAbove(code: string, index: number): string {
  const lines = code.slice(0, index).split('\n');
  lines.pop();
  const doc: string[] = [];
  while (lines.length && /^\s*\/\//.test(lines[lines.length - 1])) doc.unshift(lines.pop()!.replace(/^\s*\/\/\s?/, ''));
  return doc.join(' ').trim();
}

function literal(text: string): number | boolean | null {
  const t = text.trim();
  if (t === 'true' || t === 'false') return t === 'true';
  const m = /^(-?(?:0x[0-9a-fA-F]+|\d+(?:\.\d*)?(?:e[+-]?\d+)?))[uif]?$/.exec(t);
  return m ? Number(m[1]) : null;
}

function overridesOf(code: string): StandaloneOverride[] {
  const out: StandaloneOverride[] = [];
  for (const m of code.matchAll(/^[ \t]*override\s+([A-Za-z_][A-Za-z0-9_]*)\s*:\s*([A-Za-z0-9_<>]+)\s*(?:=\s*([^;]+))?;/gm)) {
    out.push({ name: m[1], type: m[2], default: m[3] === undefined ? null : literal(m[3]), doc: docAbove(code, m.index) });
  }
  return out;
}

function constantsOf(code: string): Record<string, number | boolean> {
  const out: Record<string, number | boolean> = {};
  for (const m of code.matchAll(/^const\s+([A-Za-z_][A-Za-z0-9_]*)\s*(?::\s*[A-Za-z0-9_]+\s*)?=\s*([^;]+);/gm)) {
    const v = literal(m[2]);
    if (v !== null) out[m[1]] = v;
  }
  return out;
}

/** The kernel file's leading comment block. */
function headerOf(source: string): string {
  const lines: string[] = [];
  for (const line of source.split('\n')) {
    if (!/^\s*\/\//.test(line)) break;
    lines.push(line.replace(/^\s*\/\/ ?/, ''));
  }
  return lines.join('\n');
}

/** The `// dispatch <entry>: ...` rules of a kernel file's header. */
export function dispatchRules(source: string): Record<string, StandaloneDispatch> {
  const out: Record<string, StandaloneDispatch> = {};
  for (const m of headerOf(source).matchAll(/^dispatch\s+([A-Za-z_][A-Za-z0-9_]*)\s*:\s*(.+?)\s*$/gm)) {
    const rule = m[2];
    const grid = /^\((.+)\)\s+x\s+\((.+)\)\s+workgroups$/.exec(rule);
    if (/^1 workgroup$/.test(rule)) out[m[1]] = { kind: 'workgroup' };
    else if (grid) out[m[1]] = { kind: 'grid', grid: [grid[1], grid[2]] };
    else {
      const inv = /^(.+?)\s+invocations$/.exec(rule);
      if (!inv) throw new FebmError(`dispatch rule of ${m[1]}: "${rule}" is neither "1 workgroup", "(<x>) x (<y>) workgroups" nor "<expression> invocations"`);
      out[m[1]] = { kind: 'invocations', invocations: inv[1], fold: FOLD };
    }
  }
  return out;
}

function workgroupSizeOf(code: string, entry: string): (number | string)[] {
  const m = new RegExp(`@workgroup_size\\(([^)]*)\\)\\s*(?:@[^\\n]*\\s*)*fn\\s+${entry}\\s*\\(`).exec(code);
  if (!m) throw new FebmError(`no @workgroup_size for entry point ${entry}`);
  const parts = m[1].split(',').map((s) => s.trim()).filter(Boolean);
  while (parts.length < 3) parts.push('1');
  return parts.map((p) => (/^\d+u?$/.test(p) ? Number.parseInt(p, 10) : p));
}

function bindingOf(v: VariableInfo): StandaloneBinding {
  const kind = v.resourceType === ResourceType.Uniform ? 'uniform' : v.access === 'read' ? 'read-only-storage' : 'storage';
  const b: StandaloneBinding = { group: v.group, binding: v.binding, name: v.name, kind, type: typeName(v.type) };
  if (v.isArray && v.type.size === 0) b.elementSize = v.stride;
  else if (v.isArray) {
    b.size = v.size;
    b.elementSize = v.stride;
  } else b.size = v.size;
  const s = structName(v.type);
  if (s) b.struct = s;
  return b;
}

/** Kernel files: the shader files with a @compute entry point. */
export function kernelFiles(files: Record<string, string> = SHADER_FILES): string[] {
  return Object.keys(files).filter((f) => /@compute/.test(files[f])).sort();
}

/** Compose a kernel file as the library does; user code where the module calls the custom-divergence functions. */
function compose(file: string, files: Record<string, string>): { code: string; userCode: StandaloneKernel['userCode'] } {
  const code = composeShader(file, files);
  const text = code.replace(/\/\/[^\n]*/g, '');
  const missing = CUSTOM_WGSL_FUNCTIONS.filter((f) => new RegExp(`\\b${f}\\s*\\(`).test(text) && !new RegExp(`\\bfn\\s+${f}\\s*\\(`).test(text));
  if (missing.length === 0) return { code, userCode: null };
  const stubs = 'divergence_custom_default.wgsl';
  const extra = files[stubs];
  if (extra === undefined) throw new FebmError(`${file} calls ${missing.join(', ')}, and ${stubs} is missing`);
  return {
    code: composeShader(file, files, extra),
    userCode: { file: stubs, replace: `a custom divergence: WGSL defining ${CUSTOM_WGSL_FUNCTIONS.map((f) => `fn ${f}(u: f32) -> f32`).join(', ')} (see ${stubs})` },
  };
}

/** The files a composition pulls in, dependencies first. */
function closure(file: string, files: Record<string, string>): string[] {
  const order: string[] = [];
  const visit = (name: string) => {
    if (order.includes(name)) return;
    for (const dep of requiredFiles(files[name] ?? '')) visit(dep);
    order.push(name);
  };
  visit(file);
  return order;
}

/** Every entry point of every kernel file as a standalone module with its interface. */
export function standaloneKernels(files: Record<string, string> = SHADER_FILES): StandaloneKernel[] {
  const out: StandaloneKernel[] = [];
  const plainFiles = files === SHADER_FILES ? shaderFilesFor(false) : files;
  const subgroupFiles = files === SHADER_FILES ? shaderFilesFor(true) : files;
  for (const file of kernelFiles(files)) {
    const plain = compose(file, plainFiles);
    const sub = compose(file, subgroupFiles);
    const reflect = new WgslReflect(plain.code);
    const rules = dispatchRules(files[file]);
    const stem = file.replace(/\.wgsl$/, '');
    for (const entry of reflect.entry.compute) {
      const rule = rules[entry.name];
      if (!rule) throw new FebmError(`${file}: entry point ${entry.name} has no "// dispatch ${entry.name}: ..." line in its header`);
      const structs: Record<string, StandaloneStruct> = {};
      const bindings = [...entry.resources]
        .filter((v) => v.resourceType === ResourceType.Uniform || v.resourceType === ResourceType.Storage)
        .sort((a, b) => a.group - b.group || a.binding - b.binding)
        .map((v) => {
          const s = v.type.isStruct ? (v.type as StructInfo) : v.isArray && v.format?.isStruct ? (v.format as StructInfo) : null;
          if (s) collectStruct(s, plain.code, structs);
          return bindingOf(v);
        });
      out.push({
        name: `${stem}.${entry.name}`,
        file,
        entryPoint: entry.name,
        variants: sub.code === plain.code ? { plain: plain.code } : { plain: plain.code, subgroups: sub.code },
        composedFrom: closure(file, plainFiles),
        userCode: plain.userCode,
        workgroupSize: workgroupSizeOf(plain.code, entry.name),
        dispatch: rule,
        bindings,
        structs,
        overrides: overridesOf(plain.code),
        constants: constantsOf(plain.code),
        header: headerOf(files[file]),
      });
    }
    for (const name of Object.keys(rules)) {
      if (!reflect.entry.compute.some((e) => e.name === name)) throw new FebmError(`${file}: a dispatch line names ${name}, which is not a @compute entry point`);
    }
  }
  return out;
}

/** The JSON interface file of a standalone kernel (the build's <name>.json): everything but the WGSL text. */
export function standaloneInterface(k: StandaloneKernel): Record<string, unknown> {
  const { variants, ...rest } = k;
  return {
    ...rest,
    files: { plain: `${k.name}.wgsl`, ...(variants.subgroups ? { subgroups: `${k.name}.subgroups.wgsl` } : {}) },
    ...(variants.subgroups ? { subgroupsNote: 'the subgroups variant needs a device with the "subgroups" feature and subgroups of at least 4 invocations' } : {}),
  };
}
