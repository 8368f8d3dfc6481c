// metagrad: the public API. Importing this module attaches the Tensor methods.
import './autograd/methods.ts';

export { Tensor, tensor, zeros, ones, full, zerosLike, onesLike, arange, eye, rand, randn, manualSeed, asTensor } from './autograd/tensor.ts';
export type { TensorOptions, TensorLike, NestedArray, DType, FloatArray } from './autograd/tensor.ts';
export { Rng } from './rng.ts';
export { MetagradError, ShapeError, DTypeError, GradError, AnomalyError, BackendError } from './errors.ts';
export { noGrad, enableGrad, isGradEnabled, setGradEnabled, detectAnomaly } from './autograd/tape.ts';
export { grad, backward } from './autograd/grad.ts';
export type { GradOptions } from './autograd/grad.ts';
export { vjp, jvp, hvp } from './autograd/functional.ts';
export { gradcheck, gradgradcheck } from './autograd/gradcheck.ts';
export type { GradcheckOptions, GradcheckResult } from './autograd/gradcheck.ts';
export {
  add, sub, mul, div, pow, maximum, minimum, eq, gt, ge, lt, le,
  neg, exp, log, sqrt, abs, tanh, sigmoid, relu, sign, square, softplus,
} from './autograd/ops/elementwise.ts';
export { sum, mean, max, min, reshape, broadcastTo, sumTo } from './autograd/ops/reduce.ts';
export { transpose } from './autograd/ops/transpose.ts';
export { matmul, matmulT } from './autograd/ops/matmul.ts';
export { slice, pad, concat, stack } from './autograd/ops/slice.ts';
export { gather, scatterAdd, indexSelect } from './autograd/ops/gather.ts';
export type { Index } from './autograd/ops/gather.ts';
export { where } from './autograd/ops/where.ts';
export { conv1d, conv2d, im2col, col2im } from './autograd/ops/conv.ts';
export type { Conv1dOptions, Conv2dOptions } from './autograd/ops/conv.ts';
export { logSumExp, softmax, logSoftmax, mseLoss, crossEntropy } from './autograd/ops/nn.ts';
export { getBackend, setBackend, initWasm, backendKernels } from './kernels/backend.ts';
export type { BackendName, Kernels, GemmArgs, ConvGeometry } from './kernels/types.ts';
