// Shader loading and reflection. The .wgsl files are the single source of
// truth: library files are composed in by their `requires:` header line, and
// bind group layouts and uniform struct layouts are read from the WGSL with
// wgsl_reflect, never from hand-kept tables.

import { ResourceType, WgslReflect, type MemberInfo, type StructInfo, type TypeInfo } from 'wgsl_reflect';
import { FebmError } from '../errors';

const sources = import.meta.glob('../../shaders/*.wgsl', { query: '?raw', import: 'default', eager: true }) as Record<string, string>;

/** The raw text of every shader file, by file name (e.g. 'mlp.wgsl'). */
export const SHADER_FILES: Record<string, string> = Object.fromEntries(
  Object.entries(sources).map(([path, code]) => [path.slice(path.lastIndexOf('/') + 1), code]),
);

/** The files a shader's header names on its `// requires: a.wgsl, b.wgsl` line. */
export function requiredFiles(code: string): string[] {
  const m = /^\/\/\s*requires:\s*(.+)$/m.exec(code);
  return m ? m[1].split(',').map((s) => s.trim()).filter(Boolean) : [];
}

/**
 * The composed source of a shader: its requirements (recursively, each once,
 * dependencies first) followed by the file itself. `extra` adds user code
 * (e.g. a custom divergence) before the file.
 */
export function composeShader(file: string, files: Record<string, string> = SHADER_FILES, extra = ''): string {
  const order: string[] = [];
  const visit = (name: string, chain: string[]) => {
    if (order.includes(name)) return;
    if (chain.includes(name)) throw new FebmError(`shader requirement cycle: ${[...chain, name].join(' -> ')}`);
    const code = files[name];
    if (code === undefined) throw new FebmError(`shader file ${name} not found (required by ${chain.at(-1) ?? 'the caller'})`);
    for (const dep of requiredFiles(code)) visit(dep, [...chain, name]);
    order.push(name);
  };
  visit(file, []);
  // WGSL wants directives (`enable subgroups;`) before every declaration: a
  // library's directives move to the top of the composed module.
  const directives: string[] = [];
  const parts = order.map((name) => {
    const body = files[name].replace(DIRECTIVE, (line) => {
      if (!directives.includes(line.trim())) directives.push(line.trim());
      return '';
    });
    return `// ---- ${name}\n${body}`;
  });
  if (extra) parts.splice(parts.length - 1, 0, `// ---- user code\n${extra}`);
  return [...directives, ...parts].join('\n');
}

const DIRECTIVE = /^[ \t]*(?:enable|requires|diagnostic)\b[^;\n]*;[ \t]*$/gm;

/**
 * The shader files a device composes from: mlp_weights.wgsl is replaced by
 * mlp_weights_subgroup.wgsl where the device has subgroups (src/device/device.ts).
 */
export function shaderFilesFor(subgroups: boolean): Record<string, string> {
  return subgroups ? { ...SHADER_FILES, 'mlp_weights.wgsl': SHADER_FILES['mlp_weights_subgroup.wgsl'] } : SHADER_FILES;
}

export type BindingKind = 'uniform' | 'storage' | 'read-only-storage';

export interface BindingInfo {
  name: string;
  group: number;
  binding: number;
  kind: BindingKind;
  /** Byte size of the binding's type; for a runtime-sized array, its element stride. */
  size: number;
  /** Struct layout when the binding's type is a struct. */
  struct?: StructLayout;
}

export interface StructLayout {
  name: string;
  size: number;
  members: Record<string, MemberLayout>;
}

export interface MemberLayout {
  offset: number;
  size: number;
  /** Scalar kind of the member (or of its elements): 'f32', 'u32' or 'i32'. */
  scalar: 'f32' | 'u32' | 'i32';
  /** For arrays: element count and stride. `element`: the struct layout of the member or of its elements. */
  count?: number;
  stride?: number;
  element?: StructLayout;
}

function scalarOf(t: TypeInfo | null | undefined): 'f32' | 'u32' | 'i32' {
  const name = t ? t.getTypeName() : 'f32';
  if (/(^|<)u32/.test(name) || /u$/.test(name)) return 'u32';
  if (/(^|<)i32/.test(name) || /i$/.test(name)) return 'i32';
  return 'f32';
}

function structLayout(s: StructInfo): StructLayout {
  const members: Record<string, MemberLayout> = {};
  for (const m of s.members as MemberInfo[]) {
    const info: MemberLayout = { offset: m.offset, size: m.size, scalar: scalarOf(m.type) };
    if (m.isArray) {
      info.count = m.count;
      info.stride = m.stride;
      const fmt = m.format;
      if (fmt && fmt.isStruct) info.element = structLayout(fmt as StructInfo);
      else info.scalar = scalarOf(fmt);
    } else if (m.isStruct) {
      info.element = structLayout(m.type as StructInfo);
    }
    members[m.name] = info;
  }
  return { name: s.name, size: s.size, members };
}

/** The reflected interface of one composed shader module. */
export interface ShaderInterface {
  readonly code: string;
  readonly bindings: readonly BindingInfo[];
  readonly entryPoints: readonly { name: string; workgroupSize: [number, number, number] }[];
}

export function reflectShader(code: string): ShaderInterface {
  // Parsing is the slow part of building a pipeline on the host (up to 0.1 s
  // per composed shader in Node here), and the device layer reflects every kernel once for
  // the limits it needs before the same kernels are reflected again for their
  // pipelines: parse each distinct source once.
  const cached = reflected.get(code);
  if (cached) return cached;
  const iface = reflectUncached(code);
  reflected.set(code, iface);
  return iface;
}

const reflected = new Map<string, ShaderInterface>();

function reflectUncached(code: string): ShaderInterface {
  const r = new WgslReflect(code);
  const bindings: BindingInfo[] = [];
  for (const v of [...r.uniforms, ...r.storage]) {
    const kind: BindingKind =
      v.resourceType === ResourceType.Uniform ? 'uniform' : v.access === 'read' ? 'read-only-storage' : 'storage';
    const info: BindingInfo = { name: v.name, group: v.group, binding: v.binding, kind, size: v.isArray ? v.stride : v.size };
    if (v.type.isStruct) info.struct = structLayout(v.type as StructInfo);
    bindings.push(info);
  }
  bindings.sort((a, b) => a.group - b.group || a.binding - b.binding);
  const entryPoints = r.entry.compute.map((f) => ({
    name: f.name,
    workgroupSize: (f.workgroupSize ?? [1, 1, 1]) as [number, number, number],
  }));
  return { code, bindings, entryPoints };
}

/**
 * Writes named values into a uniform struct's bytes at the offsets reflection
 * gives. Nested members use dotted paths with indices: 'layers.2.in4'.
 * Unknown names are an error, so a renamed WGSL member cannot be written silently.
 */
export function packStruct(layout: StructLayout, values: Record<string, number>, into?: ArrayBuffer, base = 0): ArrayBuffer {
  const buf = into ?? new ArrayBuffer(layout.size);
  const view = new DataView(buf);
  for (const [path, value] of Object.entries(values)) {
    const parts = path.split('.');
    let s: StructLayout = layout;
    let offset = base;
    let member: MemberLayout | undefined;
    for (let p = 0; p < parts.length; p++) {
      member = s.members[parts[p]];
      if (!member) throw new FebmError(`struct ${layout.name} has no member ${path}`);
      offset += member.offset;
      if (member.count !== undefined && p + 1 < parts.length) {
        const index = Number(parts[++p]);
        if (!Number.isInteger(index) || index < 0 || index >= member.count) {
          throw new FebmError(`${layout.name}.${path}: index out of range [0, ${member.count})`);
        }
        offset += index * (member.stride ?? 0);
        if (member.element) s = member.element;
        else if (p + 1 < parts.length) throw new FebmError(`${layout.name}.${path}: not a struct`);
      } else if (p + 1 < parts.length) {
        if (!member.element) throw new FebmError(`${layout.name}.${path}: ${parts[p]} is not a struct or array`);
        s = member.element;
      }
    }
    const scalar = member!.scalar;
    if (scalar === 'u32') view.setUint32(offset, value, true);
    else if (scalar === 'i32') view.setInt32(offset, value, true);
    else view.setFloat32(offset, value, true);
  }
  return buf;
}
