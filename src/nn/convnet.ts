// The few-shot papers' conv net (Finn et al. 2017, after Vinyals et al.): blocks of a 3x3
// convolution, batch norm on the batch's statistics (MAML's reference code normalises by the
// batch at test time too), ReLU, and a halving of the side (here by stride 2, which the issue
// and MAML's code allow in place of 2x2 max pooling), then a flatten: the embedding; a linear
// head of `outputs` classes on top unless a learner compares embeddings (ProtoNet).
import { expectNumber, expectOptions } from '../errors.ts';
import { expectRng, Rng } from '../rng.ts';
import type { DType } from '../autograd/tensor.ts';
import { BatchNorm2d } from './batchnorm.ts';
import { Activation, Conv2d, Flatten, Linear, Sequential } from './layers.ts';
import type { Module } from './module.ts';

export interface ConvNetOptions {
  /** Conv blocks (default 4, Finn et al.'s). */
  blocks?: number;
  /** Filters of every block (default 64). */
  filters?: number;
  /** Channels of the input images (default 1). */
  inChannels?: number;
  /** Side of the square input images (default 28), for the embedding's width. */
  size?: number;
  /** Classes of a linear head on the embedding; absent: the embedding alone. */
  outputs?: number;
  rng?: Rng;
  dtype?: DType;
}

/**
 * The width of the embedding: filters × side², the side halved (rounding up) by each block.
 * @example convNetFeatures(3, 32, 28) // 512 (28 → 14 → 7 → 4)
 */
export function convNetFeatures(blocks: number, filters: number, size: number): number {
  expectNumber('convNetFeatures', 'blocks', blocks, { integer: true, min: 1, max: 16 });
  expectNumber('convNetFeatures', 'filters', filters, { integer: true, min: 1, max: 4096 });
  let side = expectNumber('convNetFeatures', 'size', size, { integer: true, min: 1, max: 4096 });
  for (let i = 0; i < blocks; i++) side = Math.ceil(side / 2);
  return filters * side * side;
}

/**
 * The conv net: `blocks` of conv 3x3 (stride 2, padding 1), batch norm, ReLU; a flatten; and a
 * linear head when `outputs` is given.
 * @example convNet({ blocks: 2, filters: 8, outputs: 5 }).call(zeros([3, 1, 28, 28])).shape // [3, 5]
 */
export function convNet(options: ConvNetOptions = {}): Sequential {
  options = expectOptions('convNet', options);
  const blocks = expectNumber('convNet', 'blocks', options.blocks ?? 4, { integer: true, min: 1, max: 16 });
  const filters = expectNumber('convNet', 'filters', options.filters ?? 64, { integer: true, min: 1, max: 4096 });
  const inChannels = expectNumber('convNet', 'inChannels', options.inChannels ?? 1, { integer: true, min: 1, max: 4096 });
  const size = expectNumber('convNet', 'size', options.size ?? 28, { integer: true, min: 1, max: 4096 });
  const rng = options.rng === undefined ? new Rng(0) : expectRng('convNet', options.rng, 'options.rng');
  const dtype = options.dtype ?? 'float32';
  const layers: Module[] = [];
  for (let b = 0; b < blocks; b++) {
    layers.push(new Conv2d(b === 0 ? inChannels : filters, filters, 3, { stride: 2, padding: 1, rng, dtype }), new BatchNorm2d(filters, { stats: 'batch', dtype }), new Activation('relu'));
  }
  layers.push(new Flatten());
  if (options.outputs !== undefined) {
    const outputs = expectNumber('convNet', 'outputs', options.outputs, { integer: true, min: 1, max: 1e6 });
    layers.push(new Linear(convNetFeatures(blocks, filters, size), outputs, { rng, dtype }));
  }
  return new Sequential(...layers);
}
