// The public API is deliberate: the root entry point (src/index.ts,
// 'febm-gpu') holds what a user needs, src/kernels.ts ('febm-gpu/kernels')
// what a kernel author needs beyond that. No name is in both, and every name
// a library module exports is in one of them or listed here as internal,
// with the reason, so a new export is a decision, not an accident.
import { describe, expect, it } from 'vitest';
import * as root from '../../src/index';
import * as kernels from '../../src/kernels';

/** Exports of library modules that neither entry point offers, and why. */
const INTERNAL: Record<string, string[]> = {
  'trainer/graph.ts': ['trainerUniformLayouts', 'compileTrainerKernels', 'checkedQuantities', 'sequence', 'TrainerGraph'],
  'trainer/resources.ts': ['TrainerResources', 'TrainerParts', 'checkPlannedParts', 'allocateInScope', 'writeInitialContents'],
  'trainer/resume.ts': ['checkResumeData', 'restoreSnapshot', 'readSnapshot'],
  'trainer/metrics.ts': ['decodeMetricsPoint'],
  'trainer/memory.ts': ['CHECKED_COUNT', 'plannedBytesByPart'],
  // Parsing limits and a data set's constants, used by their own module's validation.
  'data/load.ts': ['F32_MAX', 'checkLimits'],
  // The binary readers' shared element conversions and magic numbers (src/data/idx.ts, src/data/npy.ts use them).
  'data/elements.ts': ['ELEMENT_BYTES', 'toFloat32', 'toLabels'],
  'data/idx.ts': ['IDX_TYPES', 'sniffFormat'],
  'data/npy.ts': ['NPY_MAGIC'],
  // The classifier's helpers for its own evaluation and training.
  'score/classifier.ts': ['argmaxRows', 'shiftImage'],
  'data/toy.ts': ['RINGS_RADII'],
};

const modules = import.meta.glob('../../src/**/*.ts', { eager: true }) as Record<string, Record<string, unknown>>;

describe('the public API', () => {
  it('no name is in both entry points', () => {
    const both = Object.keys(root).filter((name) => name in kernels);
    expect(both).toEqual([]);
  });

  it('every export of a library module is public, for kernel authors, or listed as internal', () => {
    const missing: string[] = [];
    for (const [path, exports] of Object.entries(modules)) {
      const file = path.replace('../../src/', '');
      if (file === 'index.ts' || file === 'kernels.ts') continue;
      const internal = INTERNAL[file] ?? [];
      for (const name of Object.keys(exports)) {
        if (name in root || name in kernels || internal.includes(name)) continue;
        missing.push(`${file}: ${name}`);
      }
    }
    expect(missing).toEqual([]);
  });

  it('the internal list names only real exports', () => {
    for (const [file, names] of Object.entries(INTERNAL)) {
      const exports = modules[`../../src/${file}`];
      expect(exports, file).toBeDefined();
      for (const name of names) expect(name in exports, `${file}: ${name}`).toBe(true);
    }
  });

  it('the root holds what a user needs and none of the plumbing', () => {
    for (const name of ['requestGpu', 'MlpProgram', 'FdivLoss', 'LangevinSampler', 'Optimizer', 'Trainer', 'singleUpdate', 'generateToy', 'parseData',
      'decodeCheckpoint', 'ConfigError', 'TrainingDivergedError', 'EnergyGrid']) {
      expect(name in root, name).toBe(true);
    }
    for (const name of ['shaderConstant', 'roundUp4', 'scratchLayout', 'optimizerStep64', 'TRAINER_STATE_LAYOUT', 'packStruct', 'composeShader']) {
      expect(name in root, name).toBe(false);
      expect(name in kernels, name).toBe(true);
    }
  });
});
