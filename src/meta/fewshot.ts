// Few-shot classification accuracy, as the papers report it: N-way K-shot episodes of held-out
// classes, each with its own query set, the accuracy averaged over episodes with a 95%
// interval (1.96 standard errors). Anything that labels a query set from a support set is a
// FewShotClassifier: a ProtoNet, an adapting learner (MAML, ANIL: `steps` inner steps on the
// support set, then its predictions), the fine-tune baseline (a pretrained network's features
// and a new head fitted on the support set) or the pixel nearest-neighbour baseline.
import { ArgumentError, describe, expectNumber, expectOptions } from '../errors.ts';
import { Tensor, zeros } from '../autograd/tensor.ts';
import { tidy } from '../autograd/tidy.ts';
import { expectRng, type Rng } from '../rng.ts';
import type { Batch, TaskFamily } from '../envs/task.ts';
import type { Learner } from './learner.ts';
import { classificationAccuracy, summarize } from './metrics.ts';
import type { Module } from '../nn/module.ts';
import { Adam } from '../nn/optim.ts';
import { grad } from '../autograd/grad.ts';
import { noGrad } from '../autograd/tape.ts';
import { add } from '../autograd/ops/elementwise.ts';
import { matmul } from '../autograd/ops/matmul.ts';
import { crossEntropy } from '../autograd/ops/nn.ts';

export interface FewShotClassifier {
  readonly name: string;
  /** Logits (or any scores, higher is likelier) of each query row for each class: [Q, ways]. */
  classify(support: Batch, queryX: Tensor): Tensor;
}

/**
 * A learner as a classifier: a ProtoNet's own classify, or `steps` inner steps on the support
 * set and the adapted model's outputs.
 * @example asClassifier(new ProtoNet(new MLP([4, 8]), { ways: 2 }), 0).name // 'protonet'
 */
export function asClassifier(learner: Learner & { classify?: (support: Batch, queryX: Tensor) => Tensor }, steps: number): FewShotClassifier {
  if (learner === null || typeof learner !== 'object' || typeof learner.adapt !== 'function') throw new ArgumentError(`asClassifier: learner must be a Learner, got ${describe(learner)}`);
  expectNumber('asClassifier', 'steps', steps, { integer: true, min: 0 });
  if (typeof learner.classify === 'function') return { name: learner.name, classify: (s, q) => learner.classify!(s, q) };
  return {
    name: learner.name,
    classify: (support, queryX) => {
      const params = learner.adapt(learner.model.paramMap(), support, steps);
      return learner.model.call(queryX, params);
    },
  };
}

/**
 * The pixel nearest-neighbour baseline: each query scores each class by minus its squared
 * distance to the class's nearest support image.
 * @example pixelNearestNeighbour.classify({ x: tensor([[0, 0], [4, 0]]), y: tensor([0, 1]) }, tensor([[1, 0]])).data // Float32Array [-1, -9]
 */
export const pixelNearestNeighbour: FewShotClassifier = {
  name: 'pixel nearest neighbour',
  classify(support: Batch, queryX: Tensor): Tensor {
    const s = support.x.data;
    const q = queryX.data;
    const d = support.x.size / support.x.shape[0];
    const n = support.x.shape[0];
    const m = queryX.shape[0];
    if (queryX.size / m !== d) throw new ArgumentError(`pixelNearestNeighbour: queries of ${queryX.size / m} values against support images of ${d}`);
    let ways = 0;
    for (let i = 0; i < n; i++) ways = Math.max(ways, support.y.data[i] + 1);
    const out = new Float32Array(m * ways).fill(-Infinity);
    for (let a = 0; a < m; a++) {
      for (let i = 0; i < n; i++) {
        let dist = 0;
        for (let k = 0; k < d; k++) {
          const diff = q[a * d + k] - s[i * d + k];
          dist += diff * diff;
        }
        const c = support.y.data[i];
        out[a * ways + c] = Math.max(out[a * ways + c], -dist);
      }
    }
    return new Tensor(out, [m, ways]);
  },
};

/**
 * The fine-tune baseline (Chen et al. 2019's "Baseline"): a pretrained network's features,
 * frozen, and a new linear head fitted on the support set (cross-entropy, from zero, `steps`
 * Adam steps at `lr`), whose logits label the queries.
 * @example fineTuneHead(new MLP([4, 8]), { ways: 2, steps: 5 }).classify({ x: randn([4, 4]), y: tensor([0, 0, 1, 1]) }, randn([3, 4])).shape // [3, 2]
 */
export function fineTuneHead(features: Module, options: { ways: number; steps?: number; lr?: number }): FewShotClassifier {
  if (features === null || typeof features !== 'object' || typeof features.call !== 'function') throw new ArgumentError(`fineTuneHead: features must be a Module, got ${describe(features)}`);
  options = expectOptions('fineTuneHead', options);
  const ways = expectNumber('fineTuneHead', 'ways', options.ways, { integer: true, min: 2 });
  const steps = expectNumber('fineTuneHead', 'steps', options.steps ?? 100, { integer: true, min: 1 });
  const lr = expectNumber('fineTuneHead', 'lr', options.lr ?? 0.01, { min: 0, above: true });
  return {
    name: 'fine-tuned head',
    classify(support: Batch, queryX: Tensor): Tensor {
      const f = noGrad(() => features.call(support.x));
      const q = noGrad(() => features.call(queryX));
      const d = f.shape[1];
      const w = zeros([d, ways], { dtype: f.dtype, requiresGrad: true });
      const b = zeros([ways], { dtype: f.dtype, requiresGrad: true });
      const opt = new Adam([w, b], { lr });
      for (let i = 0; i < steps; i++) opt.step(grad(crossEntropy(add(matmul(f, w), b), support.y), [w, b]));
      return noGrad(() => add(matmul(q, w), b));
    },
  };
}

export interface FewShotOptions {
  /** Episodes (default 600), support images per class (shots) and query images per class (default 15). */
  episodes?: number;
  shots: number;
  queries?: number;
  rng: Rng;
}

export interface FewShotResult {
  /** Mean accuracy over episodes and its 95% interval's half-width. */
  accuracy: number;
  ci95: number;
  perEpisode: number[];
}

/**
 * Accuracy of a classifier on the family's episodes (its own split's classes).
 * @example
 * const images = digitImages(Array.from({ length: 10 }, (_, d) => new Array(784 * 40).fill(d / 10)));
 * fewShotAccuracy(pixelNearestNeighbour, new DigitsFewShot(images, { split: 'test' }), { episodes: 5, shots: 1, rng: new Rng(0) }).perEpisode.length // 5
 */
export function fewShotAccuracy(classifier: FewShotClassifier, family: TaskFamily, options: FewShotOptions): FewShotResult {
  if (classifier === null || typeof classifier !== 'object' || typeof classifier.classify !== 'function') throw new ArgumentError(`fewShotAccuracy: classifier must have classify(support, queryX), got ${describe(classifier)}`);
  if (family === null || typeof family !== 'object' || typeof family.sample !== 'function') throw new ArgumentError(`fewShotAccuracy: family must be a TaskFamily, got ${describe(family)}`);
  options = expectOptions('fewShotAccuracy', options);
  const episodes = expectNumber('fewShotAccuracy', 'episodes', options.episodes ?? 600, { integer: true, min: 1 });
  const shots = expectNumber('fewShotAccuracy', 'shots', options.shots, { integer: true, min: 1 });
  const queries = expectNumber('fewShotAccuracy', 'queries', options.queries ?? 15, { integer: true, min: 1 });
  const rng = expectRng('fewShotAccuracy', options.rng);
  // each episode's classes, then its images, in turn: the first k of n episodes are the k episodes
  const perEpisode = Array.from({ length: episodes }, () => {
    const [task] = family.sample(rng, 1);
    const support = task.sample(rng, shots);
    const query = task.sample(rng, queries);
    return tidy(() => { // (not under noGrad: an adapting learner takes gradients on the support set)
      return classificationAccuracy(classifier.classify(support, query.x), query.y);
    });
  });
  const { mean, stderr } = summarize(perEpisode, 1);
  return { accuracy: mean, ci95: 1.96 * stderr, perEpisode };
}
