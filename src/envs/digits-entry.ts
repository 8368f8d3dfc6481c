// `metagrad train --env digits-fewshot`: N-way few-shot classification of handwritten digits'
// (digit, rotation) classes, on the few-shot papers' conv net (--blocks, --filters; a linear head
// of N classes unless the learner compares embeddings: protonet). Training draws the train
// split's classes, evaluation the test split's (DigitsFewShot.heldOut). The images are the
// caller's: the core reads no files, so the command line registers this entry with the mnist
// package's digits (src/cli/digit-files.ts), and a page could with images it fetched.
import { convNet } from '../nn/convnet.ts';
import type { OptionValues } from '../options.ts';
import { DIGIT_SIZE, DigitsFewShot, type DigitImages } from './digits.ts';
import type { EnvironmentEntry } from './registry.ts';
import type { TaskFamily } from './task.ts';

/**
 * The digits-fewshot environment over the images `load` returns (called when a run starts).
 * @example digitsFewShotEntry(() => digitImages(Array.from({ length: 10 }, () => new Array(784 * 40).fill(0.5)))).create({ ways: 5 }).outputSize // 5
 */
export function digitsFewShotEntry(load: () => DigitImages): EnvironmentEntry {
  return {
    name: 'digits-fewshot',
    summary: 'N-way K-shot classes of (digit, quarter turn) from MNIST, 25 train and 10 held-out test classes',
    options: [
      { flag: 'ways', field: 'ways', kind: 'int', min: () => 2, max: 10, dflt: () => 5, arg: 'N', help: 'classes per task (default 5; --shots and --query-size count per class)' },
      { flag: 'blocks', field: 'blocks', kind: 'int', min: () => 1, max: 5, dflt: () => 4, arg: 'N', help: 'conv blocks of the net (default 4, Finn et al.\'s)' },
      { flag: 'filters', field: 'filters', kind: 'int', min: () => 1, max: 512, dflt: () => 64, arg: 'N', help: 'filters of each block (default 64)' },
    ],
    create: (o: OptionValues): TaskFamily => new DigitsFewShot(load(), { split: 'train', ways: o.ways as number }),
    model: (family, o, rng, head) => convNet({ blocks: o.blocks as number, filters: o.filters as number, size: DIGIT_SIZE, rng, ...(head ? { outputs: family.outputSize } : {}) }),
  };
}
