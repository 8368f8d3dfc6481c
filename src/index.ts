// metagrad: the public API. Importing this module attaches the Tensor methods.
import './autograd/methods.ts';

export { Tensor, tensor, zeros, ones, full, zerosLike, onesLike, arange, eye, rand, randn, manualSeed, asTensor } from './autograd/tensor.ts';
export type { TensorOptions, TensorLike, NestedArray, DType, FloatArray } from './autograd/tensor.ts';
export { Rng } from './rng.ts';
export { MetagradError, ShapeError, DTypeError, GradError, AnomalyError, BackendError, DisposedError, ArgumentError, DivergedError } from './errors.ts';
export { noGrad, enableGrad, isGradEnabled, setGradEnabled, detectAnomaly } from './autograd/tape.ts';
export { grad, backward } from './autograd/grad.ts';
export { tidy, keep, isTidy } from './autograd/tidy.ts';
export type { GradOptions } from './autograd/grad.ts';
export { vjp, jvp, hvp } from './autograd/functional.ts';
export { gradcheck, gradgradcheck } from './autograd/gradcheck.ts';
export { toDot, toSvg, trace, formatTrace, tapeBytes } from './autograd/inspect.ts';
export type { TraceEntry } from './autograd/inspect.ts';
export type { GradcheckOptions, GradcheckResult } from './autograd/gradcheck.ts';
export {
  add, sub, mul, div, pow, maximum, minimum, eq, gt, ge, lt, le,
  addScaled, neg, exp, log, sqrt, abs, tanh, sigmoid, relu, gate, sign, square, softplus,
} from './autograd/ops/elementwise.ts';
export { sum, mean, max, min, broadcastTo, sumTo } from './autograd/ops/reduce.ts';
export { reshape } from './autograd/ops/reshape.ts';
export { transpose } from './autograd/ops/transpose.ts';
export { matmul, matmulT } from './autograd/ops/matmul.ts';
export { linear } from './autograd/ops/linear.ts';
export type { LinearOptions } from './autograd/ops/linear.ts';
export { slice, pad, concat, stack } from './autograd/ops/slice.ts';
export { gather, scatterAdd, indexSelect } from './autograd/ops/gather.ts';
export type { Index } from './autograd/ops/gather.ts';
export { where } from './autograd/ops/where.ts';
export { conv1d, conv2d, im2col, col2im } from './autograd/ops/conv.ts';
export type { Conv1dOptions, Conv2dOptions } from './autograd/ops/conv.ts';
export { logSumExp, softmax, logSoftmax, mseLoss, crossEntropy } from './autograd/ops/nn.ts';
export { getBackend, setBackend, initWasm, backendKernels, setKernels, setReproducible, isReproducible } from './kernels/backend.ts';
export { threadedKernels, startGemmWorker } from './kernels/threads.ts';
export type { ThreadOptions, ThreadedKernels, WorkerLike } from './kernels/threads.ts';
export type { BackendName, Kernels, GemmArgs, ConvGeometry } from './kernels/types.ts';

// nn
export { Module, Scope, innerParameterNames } from './nn/module.ts';
export type { ParamMap } from './nn/module.ts';
export { Linear, Conv1d, Conv2d, Activation, Flatten, Sequential, MLP } from './nn/layers.ts';
export { convNet, convNetFeatures } from './nn/convnet.ts';
export type { ConvNetOptions } from './nn/convnet.ts';
export type { LayerOptions, ConvLayerOptions, MLPOptions, ActivationName } from './nn/layers.ts';
export { BatchNorm1d, BatchNorm2d } from './nn/batchnorm.ts';
export { MSRConv2d, MSRLinear, LocallyConnected1d } from './nn/msr.ts';
export type { MSROptions } from './nn/msr.ts';
export type { BatchNormOptions, BatchNormStats } from './nn/batchnorm.ts';
export { uniform, xavierUniform, xavierNormal, kaimingUniform, kaimingNormal, initWeight } from './nn/init.ts';
export type { InitName } from './nn/init.ts';
export { SGD, Adam, AdamW } from './nn/optim.ts';
export type { SGDOptions, AdamOptions } from './nn/optim.ts';
export { toSafetensors, fromSafetensors, crc32 } from './nn/safetensors.ts';
export type { SafetensorsFile } from './nn/safetensors.ts';
export { CheckpointError } from './errors.ts';

// envs
export type { Batch, Task, TaskFamily } from './envs/task.ts';
export { heldOutRng } from './envs/task.ts';
export { Sinusoid, SinusoidTask } from './envs/sinusoid.ts';
export type { SinusoidOptions } from './envs/sinusoid.ts';
export { LocalFilters } from './envs/local-filters.ts';
export type { LocalFiltersOptions } from './envs/local-filters.ts';
export { registerEnvironment, environment, environmentNames } from './envs/registry.ts';
export type { EnvironmentEntry, Adapter, PlotOptions as TaskPlotOptions } from './envs/registry.ts';
export type { OptionSpec, OptionValues, Entry } from './options.ts';

// meta
export type { Learner, TaskData, MetaGradient, AdaptOptions, LossName, TaskObjective } from './meta/learner.ts';
export { taskWeights } from './meta/learner.ts';
export { MAML, metaSGD, anil } from './meta/maml.ts';
export type { MAMLOptions, InnerLrMode } from './meta/maml.ts';
export { Reptile } from './meta/reptile.ts';
export type { ReptileOptions } from './meta/reptile.ts';
export { Pretrain } from './meta/pretrain.ts';
export type { PretrainOptions } from './meta/pretrain.ts';
export { summarize, evaluate, classificationAccuracy, predictedClasses } from './meta/metrics.ts';
export type { Summary, EvalOptions, EvalResult } from './meta/metrics.ts';
export { metaTrain } from './meta/train.ts';
export { registerLearner, learnerEntry, learnerNames, innerLoopOptions } from './meta/registry.ts';
export type { LearnerEntry } from './meta/registry.ts';
export { runConfig, runConfigFromJson, configJson, makeFamily, makeLearner, makeSampler } from './meta/run-config.ts';
export type { RunConfig } from './meta/run-config.ts';
export type { MetaTrainOptions } from './meta/train.ts';
export { parallelTasks, startTaskWorker } from './meta/parallel.ts';
export type { ParallelOptions, ParallelLearner, TaskWorkerInit } from './meta/parallel.ts';

// task samplers (robust meta-learning over task distributions)
export type { TaskSampler, SamplerContext, SamplerSeries } from './meta/samplers/sampler.ts';
export { uniformSampler } from './meta/samplers/sampler.ts';
export { TaskBuffer } from './meta/samplers/buffer.ts';
export type { BufferOptions, BufferStrategy } from './meta/samplers/buffer.ts';
export { CVaRSampler, cvarObjective } from './meta/samplers/cvar.ts';
export { CEMSampler } from './meta/samplers/cem.ts';
export type { CEMOptions } from './meta/samplers/cem.ts';
export { GroupDRO } from './meta/samplers/dro.ts';
export { FlowAdversary } from './meta/samplers/adversary.ts';
export type { FlowAdversaryOptions } from './meta/samplers/adversary.ts';
export type { FlowKind } from './meta/samplers/flow.ts';
export type { GroupDROOptions } from './meta/samplers/dro.ts';
export { registerSampler, samplerEntry, samplerNames } from './meta/samplers/registry.ts';
export type { SamplerEntry } from './meta/samplers/registry.ts';
export { samplerPlots } from './meta/samplers/plots.ts';
export { recordDraws } from './meta/samplers/draws.ts';

// multi-task learning
export { MultiTask, pcgrad } from './meta/multitask.ts';
export type { MultiTaskOptions, GradientCombination } from './meta/multitask.ts';

// reinforcement-learning environments
export { VectorEnv } from './envs/rl/env.ts';
export type { Env, EnvFamily, EnvSpec, Space, BoxSpace, DiscreteSpace, StepResult, VectorStep } from './envs/rl/env.ts';
export { PointNav2D, Reach2D } from './envs/rl/pointnav.ts';
export { withTaskInObservation } from './envs/rl/oracle.ts';
export { rescaleAction } from './envs/rl/rescale-action.ts';
export { DataError, DigitsFewShot, digitClassSplits, digitImages } from './envs/digits.ts';
export { digitsFewShotEntry } from './envs/digits-entry.ts';
export type { DigitImages, DigitSplit, DigitsFewShotOptions } from './envs/digits.ts';
export { ProtoNet, prototypeLogits } from './meta/protonet.ts';
export type { ProtoNetOptions } from './meta/protonet.ts';
export { asClassifier, fewShotAccuracy, fineTuneHead, pixelNearestNeighbour } from './meta/fewshot.ts';
export type { FewShotClassifier, FewShotOptions, FewShotResult } from './meta/fewshot.ts';
export type { Reach2DOptions } from './envs/rl/pointnav.ts';
export { Pendulum } from './envs/rl/pendulum.ts';
export { CartPole } from './envs/rl/cartpole.ts';
export { KhazadDum } from './envs/rl/khazad-dum.ts';
export { CheetahLite } from './envs/rl/cheetah.ts';
export type { CheetahLiteOptions, CheetahTask } from './envs/rl/cheetah.ts';
export { CheetahBody } from './envs/rl/cheetah-body.ts';
export { registerRLEnvironment, rlEnvironment, rlEnvironmentNames } from './envs/rl/registry.ts';
export type { RLEnvironmentEntry } from './envs/rl/registry.ts';
export { rlTaskFamily } from './rl/task-view.ts';
export { GroupShift2D, RotatedDigits, rotateDigit } from './envs/groups.ts';
export { SysId } from './envs/sysid.ts';
export type { SysIdSystem } from './envs/sysid.ts';
export type { GroupBatch, GroupShiftData, RotatedDigitsOptions } from './envs/groups.ts';
export { GROUP_METHODS, GroupShiftLearner } from './meta/arm.ts';
export { GROUP_ENVS, GROUP_RUN_OPTIONS, groupRunConfig, makeGroupRun } from './meta/group-run.ts';
export type { GroupEnv, GroupRunConfig } from './meta/group-run.ts';
export type { GroupAccuracy, GroupMethod, GroupShiftOptions } from './meta/arm.ts';
export { RL_ALGOS, RL_RUN_OPTIONS, makeRLFamily, makeRLPolicy, makeRLSampler, rlConfigJson, rlHeldOutTasks, rlRunConfig, rlRunConfigFromJson } from './rl/run-config.ts';
export type { RLAlgo, RLRunConfig } from './rl/run-config.ts';
export type { CheetahPhysics } from './envs/rl/cheetah-body.ts';

// reinforcement learning
export { discountedReturns, gae, normalizeAdvantages } from './rl/returns.ts';
export { LinearBaseline } from './rl/baseline.ts';
export { GaussianPolicy, CategoricalPolicy } from './rl/policy.ts';
export type { Policy, PolicyOptions } from './rl/policy.ts';
export { collectEpisodes, episodeReturns, policyGradientLoss, sliceEpisodes } from './rl/rollout.ts';
export type { Episodes } from './rl/rollout.ts';
export { conjugateGradient, hessianVectorProduct, policyKL, trpoStep } from './rl/trpo.ts';
export { PPO, ppoClipLoss } from './rl/ppo.ts';
export type { PPOOptions } from './rl/ppo.ts';
export type { TRPOOptions, TRPOStep } from './rl/trpo.ts';
export { adaptPolicy, mamlFisherProduct, mamlTrpoStep } from './rl/maml-trpo.ts';
export type { MetaRLTask, MAMLTRPOOptions } from './rl/maml-trpo.ts';
export { baselineAdvantages, evaluateRL, metaTrainRL } from './rl/meta-rl.ts';
export type { AdvantageOptions, EvaluateRLOptions, MetaTrainRLOptions, RLEvalResult, RLStepSeconds } from './rl/meta-rl.ts';
