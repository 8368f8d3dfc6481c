// Ops as Tensor methods (x.add(y), x.matmul(w).relu().sum()). Attached here, after tensor.ts
// and the ops are defined, so that tensor.ts imports no op and no import cycle forms.
import type { Conv1dOptions, Conv2dOptions } from './ops/conv.ts';
import { conv1d, conv2d } from './ops/conv.ts';
import * as ew from './ops/elementwise.ts';
import { gather, indexSelect, type Index } from './ops/gather.ts';
import { matmul } from './ops/matmul.ts';
import { logSoftmax, logSumExp, softmax } from './ops/nn.ts';
import { broadcastTo, max, mean, min, sum } from './ops/reduce.ts';
import { reshape } from './ops/reshape.ts';
import { pad, slice } from './ops/slice.ts';
import { transpose } from './ops/transpose.ts';
import { backward, type GradOptions } from './grad.ts';
import { Tensor } from './tensor.ts';

type Axis = number | readonly number[];

declare module './tensor.ts' {
  interface Tensor {
    add(other: TensorLike): Tensor;
    sub(other: TensorLike): Tensor;
    mul(other: TensorLike): Tensor;
    div(other: TensorLike): Tensor;
    pow(other: TensorLike): Tensor;
    maximum(other: TensorLike): Tensor;
    minimum(other: TensorLike): Tensor;
    neg(): Tensor;
    exp(): Tensor;
    log(): Tensor;
    sqrt(): Tensor;
    abs(): Tensor;
    square(): Tensor;
    tanh(): Tensor;
    sigmoid(): Tensor;
    relu(): Tensor;
    softplus(): Tensor;
    matmul(other: Tensor): Tensor;
    sum(axis?: Axis, keepDims?: boolean): Tensor;
    mean(axis?: Axis, keepDims?: boolean): Tensor;
    max(axis?: Axis, keepDims?: boolean): Tensor;
    min(axis?: Axis, keepDims?: boolean): Tensor;
    logSumExp(axis?: Axis, keepDims?: boolean): Tensor;
    softmax(axis?: number): Tensor;
    logSoftmax(axis?: number): Tensor;
    reshape(shape: readonly number[]): Tensor;
    transpose(perm?: readonly number[]): Tensor;
    broadcastTo(shape: readonly number[]): Tensor;
    slice(starts: readonly number[], ends?: readonly (number | undefined)[]): Tensor;
    pad(padding: readonly (readonly [number, number])[]): Tensor;
    gather(axis: number, index: Tensor | Index): Tensor;
    indexSelect(axis: number, indices: Tensor | readonly number[] | Int32Array): Tensor;
    conv1d(w: Tensor, bias?: Tensor | null, options?: Conv1dOptions): Tensor;
    conv2d(w: Tensor, bias?: Tensor | null, options?: Conv2dOptions): Tensor;
    /** Accumulates gradients into .grad of every leaf this tensor depends on. */
    backward(gradOutput?: Tensor, options?: Omit<GradOptions, 'gradOutput' | 'allowUnused'>): void;
  }
}

const P = Tensor.prototype;
P.add = function (o) { return ew.add(this, o); };
P.sub = function (o) { return ew.sub(this, o); };
P.mul = function (o) { return ew.mul(this, o); };
P.div = function (o) { return ew.div(this, o); };
P.pow = function (o) { return ew.pow(this, o); };
P.maximum = function (o) { return ew.maximum(this, o); };
P.minimum = function (o) { return ew.minimum(this, o); };
P.neg = function () { return ew.neg(this); };
P.exp = function () { return ew.exp(this); };
P.log = function () { return ew.log(this); };
P.sqrt = function () { return ew.sqrt(this); };
P.abs = function () { return ew.abs(this); };
P.square = function () { return ew.square(this); };
P.tanh = function () { return ew.tanh(this); };
P.sigmoid = function () { return ew.sigmoid(this); };
P.relu = function () { return ew.relu(this); };
P.softplus = function () { return ew.softplus(this); };
P.matmul = function (o) { return matmul(this, o); };
P.sum = function (axis, keepDims) { return sum(this, axis, keepDims); };
P.mean = function (axis, keepDims) { return mean(this, axis, keepDims); };
P.max = function (axis, keepDims) { return max(this, axis, keepDims); };
P.min = function (axis, keepDims) { return min(this, axis, keepDims); };
P.logSumExp = function (axis, keepDims) { return logSumExp(this, axis, keepDims); };
P.softmax = function (axis) { return softmax(this, axis); };
P.logSoftmax = function (axis) { return logSoftmax(this, axis); };
P.reshape = function (shape) { return reshape(this, shape); };
P.transpose = function (perm) { return transpose(this, perm); };
P.broadcastTo = function (shape) { return broadcastTo(this, shape); };
P.slice = function (starts, ends) { return slice(this, starts, ends); };
P.pad = function (padding) { return pad(this, padding); };
P.gather = function (axis, index) { return gather(this, axis, index); };
P.indexSelect = function (axis, indices) { return indexSelect(this, axis, indices); };
P.conv1d = function (w, bias, options) { return conv1d(this, w, bias, options); };
P.conv2d = function (w, bias, options) { return conv2d(this, w, bias, options); };
P.backward = function (gradOutput, options) { backward(this, gradOutput, options); };
