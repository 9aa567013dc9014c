// Constants shared by the host and the WGSL have one source: the WGSL. The
// host reads each one by name from the shader text, `const NAME: u32 = 7u;`
// (or an `override`'s default), when its module loads; a constant the text
// no longer declares is an error at load, never a silent mismatch. Code
// tables (divergence, optimiser, activation, sampler codes, ...) are read
// the same way: host name 'du-mordatch' is the WGSL constant
// PREFIX + 'DU_MORDATCH', 'badIter' is PREFIX + 'BAD_ITER'. test/device/constants.test.ts checks every table.

import { FebmError } from '../errors';
import { SHADER_FILES } from './shader';

const U32_CONSTANT = (name: string) => new RegExp(`(?:const|override)\\s+${name}\\s*:\\s*u32\\s*=\\s*(0x[0-9a-fA-F]+|\\d+)u\\s*;`);

/** The value of `const NAME: u32 = ...u;` (or an override's default) in WGSL source `source` (named `where` in errors). */
export function wgslConstant(source: string, name: string, where = 'the shader'): number {
  const m = U32_CONSTANT(name).exec(source);
  if (!m) throw new FebmError(`${where} declares no const or override ${name}: u32`);
  return Number(m[1]);
}

/** The value of a u32 constant of one of the library's shader files (e.g. shaderConstant('mlp.wgsl', 'MLP_CHAINS')). */
export function shaderConstant(file: string, name: string): number {
  const source = SHADER_FILES[file];
  if (source === undefined) throw new FebmError(`shader file ${file} not found`);
  return wgslConstant(source, name, file);
}

/** The WGSL constant name of a host name: PREFIX + the name in upper snake case ('du-mordatch': DU_MORDATCH, 'gradNormE': GRAD_NORM_E). */
export function wgslName(prefix: string, name: string): string {
  return prefix + name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').replace(/-/g, '_').toUpperCase();
}

/**
 * A code table read from WGSL source: for each host name, the constant
 * wgslName(prefix, name). Codes must be distinct.
 */
export function wgslCodes<K extends string>(source: string, prefix: string, names: readonly K[], where = 'the shader'): Record<K, number> {
  const out = {} as Record<K, number>;
  const seen = new Map<number, string>();
  for (const name of names) {
    const code = wgslConstant(source, wgslName(prefix, name), where);
    const other = seen.get(code);
    if (other !== undefined) throw new FebmError(`${where}: ${wgslName(prefix, name)} and ${wgslName(prefix, other)} are both ${code}`);
    seen.set(code, name);
    out[name] = code;
  }
  return out;
}

/** wgslCodes of one of the library's shader files. */
export function shaderCodes<K extends string>(file: string, prefix: string, names: readonly K[]): Record<K, number> {
  const source = SHADER_FILES[file];
  if (source === undefined) throw new FebmError(`shader file ${file} not found`);
  return wgslCodes(source, prefix, names, file);
}

/** The names of every u32 const of `source` that start with `prefix` (for checks that a table covers them all). */
export function wgslConstantNames(source: string, prefix: string): string[] {
  const out: string[] = [];
  for (const m of source.matchAll(/(?:const|override)\s+([A-Za-z_][A-Za-z0-9_]*)\s*:\s*u32\s*=/g)) if (m[1].startsWith(prefix)) out.push(m[1]);
  return out;
}
