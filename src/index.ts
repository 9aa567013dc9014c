// febm-gpu: train energy-based models with any f-divergence on WebGPU.
export * from './errors';
export { requestGpu, negotiateLimits, dispatchSize, kernelLimits, Gpu } from './device';
export type { GpuOptions, AdapterDescription, Kernel, LimitName } from './device';
export { SHADER_FILES, composeShader, requiredFiles, reflectShader, packStruct } from './shader';
export type { BindingInfo, BindingKind, ShaderInterface, StructLayout, MemberLayout } from './shader';
export {
  ACTIVATIONS, ACTIVATION_CODE, MAX_DEPTH, MAX_WIDTH, paramLayout, packParams, unpackParams, initParams,
  validateMlpSpec, mlpFlopsPerSample, roundUp4,
} from './params';
export type { Activation, MlpSpec, ParamLayout, LayerLayout, DenseLayer } from './params';
export { MlpProgram, MLP_CHAINS, MLP_GROUP, MLP_SAMPLES_PER_GROUP, scratchLayout, shaderConstant } from './mlp';
export type { Pass, ScratchLayout } from './mlp';
export { seededUniform, seededNormal } from './random';
