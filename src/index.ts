// febm-gpu: train energy-based models with any f-divergence on WebGPU.
//
// The root entry point holds what a user of the library needs: the device,
// MLP programs, divergences and their loss, Langevin samplers, optimisers,
// the trainer, data, pictures, checkpoints and the errors. What a kernel
// author needs beyond that (shader composition and reflection, struct
// packing, layouts, the constants shared with the WGSL, the float64
// references) is the second entry point, src/kernels.ts ('febm-gpu/kernels').

// Errors: every failure a caller can act on has its own class.
export {
  FebmError, ConfigError, NoWebGpuError, InsecureContextError, NoAdapterError, LimitError, DeviceLostError, GpuError, ShaderCompileError,
} from './errors';
export { DataError } from './data/load';
export { CheckpointError } from './checkpoint/format';
export { TrainingDivergedError } from './trainer/metrics';

// The device.
export { requestGpu, Gpu } from './device/device';
export type { GpuOptions, AdapterDescription, Kernel, KernelOptions, LimitName } from './device/device';
export type { GpuPart } from './device/part';

// MLP programs and their packed parameters.
export { MlpProgram } from './mlp/program';
export type { Pass, MlpProgramOptions } from './mlp/program';
export { MLP_VARIANTS, chooseMlpVariant } from './mlp/variant';
export type { MlpVariant, AdapterTraits } from './mlp/variant';
export { ACTIVATIONS, MAX_DEPTH, MAX_WIDTH, MAX_INPUT_DIM, paramLayout, packParams, unpackParams, initParams, validateMlpSpec, mlpFlopsPerSample } from './mlp/params';
export type { Activation, MlpSpec, ParamLayout, LayerLayout, DenseLayer } from './mlp/params';

// Divergences and the f-EBM loss.
export { DIVERGENCE_NAMES, NUMERICS, EXAMPLE_DIVERGENCES, validateDivergence, validateNumerics, parseDivergence, describeDivergence } from './divergence/divergence';
export type { DivergenceName, DivergenceSpec, CustomDivergence, Numerics } from './divergence/divergence';
export { FdivLoss } from './divergence/loss';
export type { LossMetrics, FdivLossOptions } from './divergence/loss';

// Langevin samplers.
export { LangevinSampler, SAMPLER_KINDS, MAX_CHAINS, MAX_SAMPLER_DIM, validateSamplerConfig } from './sampler/sampler';
export type { SamplerKind, SamplerConfig, SamplerLimits, ResolvedSamplerConfig, Energy, MlpEnergy, GaussianEnergy, MixtureEnergy, Acceptance } from './sampler/sampler';

// Optimisers.
export { Optimizer, OPTIMIZER_KINDS, validateOptimizer, learningRate } from './optim/optim';
export type { OptimizerKind, OptimizerSpec, ValidOptimizerSpec } from './optim/optim';

// The trainer (Algorithm 1), class-conditional models included.
export { Trainer, singleUpdate, validateTrainerConfig, MAX_TRAINER_BATCH, CHECKED_QUANTITIES, TRAINER_STAGES } from './trainer/trainer';
export { AUTHORS_IMAGE_SAMPLER, LABEL_SOURCES, oneHotRows, splitOneHotRows, trainerRows } from './trainer/trainer';
export type {
  TrainerConfig, ValidTrainerConfig, TrainerMode, TrainerSamplerSpec, ReplaySpec, TrainerMetrics, TrainerInit, TrainerResumeOptions,
  SingleUpdateInput, SingleUpdateResult, LastGoodParams, TrainerStage, TrainerData, TrainerRows, LabelSource,
} from './trainer/trainer';
export { planTrainerMemory } from './trainer/memory';
export type { TrainerMemoryPlan, PlannedBuffer, TrainerPartName } from './trainer/memory';

// Networks on a grid of the plane, for pictures.
export { EnergyGrid, gridPoints, normalisedDensity, MAX_GRID_RESOLUTION } from './grid/grid';
export type { GridBox, GridNetwork, GridCopy, GridOptions, GridValues } from './grid/grid';

// Pictures as RGBA pixels (a page's ImageData, a PNG file), one colour map per quantity.
export { colourMap, colourAt, DENSITY_COLOURS, RATIO_COLOURS, GREY_COLOURS, POINT_STYLES } from './picture/colour';
export type { Rgb, ColourMap } from './picture/colour';
export {
  createPicture, fillPicture, heatmap, densityPicture, ratioPicture, drawPoints, drawAxes, samplesPicture, imageGrid,
} from './picture/raster';
export type { Picture, PointStyle } from './picture/raster';
export { encodePng } from './picture/png';

// Data.
export { TOY_DATASETS, MAX_TOY_SAMPLES, generateToy, mixtureComponents, modeMasses, toyInfo } from './data/toy';
export type { ToyDataset, ToyInfo, MixtureComponents } from './data/toy';
export { parseCsv, parseJson, parseData } from './data/load';
export type { ParsedData, LoadLimits, CsvOptions } from './data/load';
export { loadDataFile, parseDataBytes, detectFormat, attachLabels, gunzip, isGzip, MAX_FILE_BYTES } from './data/files';
export type { DataFile, DataFormat, LabelledData, DataFileOptions } from './data/files';
export { parseIdxImages, parseIdxLabels, readIdxHeader } from './data/idx';
export type { ArrayData, IdxHeader, BinaryOptions, ParsedLabels } from './data/idx';
export { parseNpyRows, parseNpyLabels, readNpyHeader, encodeNpy } from './data/npy';
export type { NpyArray, NpyHeader } from './data/npy';
export { digitsFromPackage, splitHeldOut, selectRows, digitSplit, DIGIT_SIDE, DIGIT_PIXELS, DIGIT_CLASSES, DIGIT_SPLITS, HELD_OUT_EVERY } from './data/digits';
export type { DigitSplit } from './data/digits';
export { seededUniform, seededNormal } from './rng/random';

// The sample-quality score of digit samples (docs/score.md).
export {
  DigitClassifier, trainClassifier, validateClassifierTraining, CLASSIFIER_SIZES, CLASSIFIER_FORMAT, CLASSIFIER_VERSION, DEFAULT_CLASSIFIER_TRAINING,
} from './score/classifier';
export type { ClassifierFile, ClassifierTraining, ClassifierEpoch, ClassifierOutput } from './score/classifier';
export { DigitScore, CONFIDENT_PROBABILITY } from './score/score';
export type { SampleScore } from './score/score';
export { frechetDistance, gaussianOf } from './score/frechet';
export type { Gaussian } from './score/frechet';

// Checkpoints.
export { CHECKPOINT_VERSION, CHECKPOINT_MAGIC, encodeCheckpoint, decodeCheckpoint } from './checkpoint/format';
export type { CheckpointState, CheckpointErrorKind } from './checkpoint/format';
export { decodeTrainerCheckpoint, dataFingerprint } from './trainer/checkpoint';
export type { TrainerSnapshot, DataFingerprint, DecodeTrainerOptions } from './trainer/checkpoint';
