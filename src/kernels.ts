// febm-gpu/kernels: the low-level parts, for WebGPU developers who lift the
// kernels into their own engines or write their own: shader composition and
// reflection, uniform packing, layouts, the constants shared with the WGSL,
// dispatch sizes, the parts' building blocks, the validation helpers and the
// float64 references every kernel is tested against. What a user of the
// library needs is the root entry point, src/index.ts ('febm-gpu').

// Composition, reflection and packing.
export { SHADER_FILES, composeShader, requiredFiles, shaderFilesFor, reflectShader, packStruct } from './device/shader';
export type { BindingInfo, BindingKind, ShaderInterface, StructLayout, MemberLayout } from './device/shader';
export { unpackStruct } from './device/unpack';
export { kernelLimits, negotiateLimits, dispatchSize, allocatedSize } from './device/device';

// Constants shared with the WGSL, read from it by name.
export { shaderConstant, shaderCodes, wgslConstant, wgslCodes, wgslName, wgslConstantNames } from './device/constants';
export { ACTIVATION_CODE } from './mlp/params';
export { DIVERGENCE_CODE, NUMERICS_CODE } from './divergence/divergence';
export { OPTIMIZER_CODE } from './optim/optim';
export { SAMPLER_CODE, ENERGY_CODE, SAMPLER_STREAM, SAMPLER_COUNTER, energyCode, MAX_INDEXED_BYTES } from './sampler/sampler';
export {
  TRAINER_COUNTER, TRAINER_STAT, TRAINER_MODE, TRAINER_STREAM, TRAINER_LABELS, TRAINER_METRIC, TRAINER_COUNTER_WORDS, TRAINER_STATS_WORDS, TRAINER_METRICS_WORDS,
  TRAINER_CHECK_SPAN, checkInvocations, readbackLayout,
} from './trainer/layout';

// Building blocks of the GPU parts.
export { OwnedBuffers, bytesOf, destroyAll, createParts, createPartList } from './device/part';
export {
  MLP_CHAINS, MLP_GROUP, MLP_GROUP_SIZES, MLP_SAMPLES_PER_GROUP, mlpGroupFor, mlpConstants, validateMlpGroup, scratchLayout, checkScratchFits,
  mlpProgramBuffers, MLP_TILED_S, MLP_TILED_GROUP,
} from './mlp/program';
export type { ScratchLayout } from './mlp/program';
export { roundUp4 } from './mlp/params';
export { gpuDivergence, divergenceUniforms, decodeLossMetrics, CUSTOM_WGSL_FUNCTIONS } from './divergence/loss';
export type { GpuDivergence } from './divergence/loss';
export { customCheckGrid, CUSTOM_CHECK } from './divergence/divergence';
export { energyParams, validateInitialState } from './sampler/sampler';
export { checkTrainerMemory, trainerMlpGroup } from './trainer/memory';
export type { TrainerMemoryLimits, TrainerBufferKey } from './trainer/memory';
export { encodeTrainerCheckpoint, trainerArrays, TRAINER_STATE_LAYOUT } from './trainer/checkpoint';
export { CHECKPOINT_FORMAT, crc32 } from './checkpoint/format';
export { validateGridOptions } from './grid/grid';
export { colourIndex } from './picture/colour';
export type { TrainerBuffers } from './trainer/resources';

// Validation: ConfigErrors naming the field and the allowed range.
export { integer, real, interval, vector, oneOf, knownKeys, show } from './validate';

// Float64 references and the host twin of the GPU's random numbers.
export { optimizerStep64 } from './optim/optim';
export type { OptimizerState64 } from './optim/optim';
export { activation64, activationGrad64, mlpForward64, mlpBackwardParams64, mlpBackwardInput64 } from './mlp/reference';
export {
  AUTHORS_CLAMP, F32_LOG_MAX, F32_SAFE_EXPONENT, f64, df64, d2f64, g64, c64, dg64, dc64, f32SafeRange, objectives64,
} from './divergence/reference';
export type { Objectives64 } from './divergence/reference';
export { normalsAt, stepNoise, acceptUniform, gaussianEnergy64, mixtureEnergy64, mlpEnergy64, referenceChain, ulaGaussianVariance } from './sampler/reference';
export type { Energy64, ReferenceSamplerConfig, ReferenceChain } from './sampler/reference';
export { trainerUpdate64, trainerDraw64, trainerCheck64 } from './trainer/reference';
export { resolveDataRange, samplerBox } from './trainer/config';
export type { Update64Config, Update64Result, TrainerDraw64Input } from './trainer/reference';
export {
  PHILOX_M0, PHILOX_M1, PHILOX_W0, PHILOX_W1, NORMAL_ABS_TOLERANCE, mulhilo32, philox4x32, seedKey, randomBits, u32ToUniform, uniforms4,
  normalPair, logF32, sinCosTurnsF32, normalPairF32, normals4,
} from './rng/philox';
export type { U32x4, U32x2, F64x4 } from './rng/philox';

// Statistics the statistical tests use (moments, Kolmogorov-Smirnov, chi-square, MMD).
export {
  mean, variance, skewness, excessKurtosis, pearsonCorrelation, erfc, erf, normalCdf, uniformCdf, ksStatistic, kolmogorovSurvival, ksPValue,
  momentTolerance, uniformMomentTolerance, mmd2, relativeError, logGamma, gammaQ, chiSquareTest,
} from './stats';
export type { MomentTolerances } from './stats';

// Every kernel entry point as a standalone WGSL module with its interface (the build's dist/wgsl/).
export { standaloneKernels, standaloneInterface, kernelFiles, dispatchRules } from './device/standalone';
export type {
  StandaloneKernel, StandaloneBinding, StandaloneStruct, StandaloneMember, StandaloneOverride, StandaloneDispatch,
} from './device/standalone';
// The MLP kernels' layout formulas (one module without imports, also shipped as dist/wgsl/mlp-layout.js).
export { packedLayers, scratchRegions, mlpLayoutValues, FILLED_STRUCTS } from './mlp/layout';
export type { PackedLayers, MlpLayoutConstants, LayerLayout } from './mlp/layout';

// The sample-quality score's float64 pieces: the symmetric eigendecomposition and
// square root behind the Frechet distance, and the classifier's backward pass.
export { symmetricEigen, sqrtPsd } from './score/frechet';
export type { Eigen } from './score/frechet';
export { accumulateGradient, gradientWork } from './score/classifier';
export type { GradientWork } from './score/classifier';
