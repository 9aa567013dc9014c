// febm-gpu: train energy-based models with any f-divergence on WebGPU.
export * from './errors';
export { requestGpu, negotiateLimits, dispatchSize, kernelLimits, Gpu } from './device/device';
export type { GpuOptions, AdapterDescription, Kernel, KernelOptions, LimitName } from './device/device';
export { SHADER_FILES, composeShader, requiredFiles, reflectShader, packStruct, shaderFilesFor } from './device/shader';
export type { BindingInfo, BindingKind, ShaderInterface, StructLayout, MemberLayout } from './device/shader';
export {
  ACTIVATIONS, ACTIVATION_CODE, MAX_DEPTH, MAX_WIDTH, MAX_INPUT_DIM, paramLayout, packParams, unpackParams, initParams,
  validateMlpSpec, mlpFlopsPerSample, roundUp4,
} from './mlp/params';
export type { Activation, MlpSpec, ParamLayout, LayerLayout, DenseLayer } from './mlp/params';
export { EnergyGrid, gridPoints, normalisedDensity, validateGridOptions, MAX_GRID_RESOLUTION } from './grid/grid';
export type { GridBox, GridNetwork, GridCopy, GridOptions, GridValues } from './grid/grid';
export {
  MlpProgram, MLP_CHAINS, MLP_GROUP, MLP_GROUP_SIZES, MLP_SAMPLES_PER_GROUP, mlpGroupFor, mlpConstants, validateMlpGroup, scratchLayout, shaderConstant,
} from './mlp/program';
export type { Pass, ScratchLayout } from './mlp/program';
export { seededUniform, seededNormal } from './rng/random';
export { TOY_DATASETS, MAX_TOY_SAMPLES, generateToy, mixtureComponents, modeMasses, toyInfo } from './data/toy';
export { DataError, parseCsv, parseJson, parseData } from './data/load';
export { CHECKPOINT_VERSION, CheckpointError, encodeCheckpoint, decodeCheckpoint, crc32 } from './checkpoint/format';
export {
  DIVERGENCE_NAMES, DIVERGENCE_CODE, NUMERICS, NUMERICS_CODE, validateDivergence, validateNumerics, parseDivergence, describeDivergence,
} from './divergence/divergence';
export type { DivergenceName, DivergenceSpec, CustomDivergence, Numerics } from './divergence/divergence';
export { FdivLoss, gpuDivergence, divergenceUniforms, decodeLossMetrics, CUSTOM_WGSL_FUNCTIONS } from './divergence/loss';
export type { GpuDivergence, LossMetrics, FdivLossOptions } from './divergence/loss';
export { Optimizer, validateOptimizer, optimizerStep64, learningRate, OPTIMIZER_KINDS, OPTIMIZER_CODE } from './optim/optim';
export type { OptimizerKind, OptimizerSpec, ValidOptimizerSpec } from './optim/optim';
export {
  LangevinSampler, validateSamplerConfig, validateInitialState, energyParams, SAMPLER_KINDS, SAMPLER_CODE, ENERGY_CODE, MAX_CHAINS,
} from './sampler/sampler';
export type {
  SamplerKind, SamplerConfig, ResolvedSamplerConfig, SamplerLimits, Energy, MlpEnergy, GaussianEnergy, MixtureEnergy, Acceptance,
} from './sampler/sampler';
export { Trainer, singleUpdate, validateTrainerConfig, TrainingDivergedError, CHECKED_QUANTITIES, MAX_TRAINER_BATCH } from './trainer/trainer';
export type {
  TrainerConfig, ValidTrainerConfig, TrainerMode, TrainerSamplerSpec, ReplaySpec, TrainerMetrics, TrainerInit, SingleUpdateInput,
  SingleUpdateResult, LastGoodParams, TrainerResumeOptions,
} from './trainer/trainer';
export { planTrainerMemory, checkTrainerMemory } from './trainer/memory';
export type { TrainerMemoryPlan, PlannedBuffer, TrainerMemoryLimits } from './trainer/memory';
export { encodeTrainerCheckpoint, decodeTrainerCheckpoint, dataFingerprint, trainerArrays, TRAINER_STATE_LAYOUT } from './trainer/checkpoint';
export type { TrainerSnapshot, DataFingerprint, DecodeTrainerOptions } from './trainer/checkpoint';
