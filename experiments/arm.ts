// ARM's rotated digits (Zhang et al. 2021, section 6): 14 groups of rotations 0..130 degrees,
// training skewed toward small angles (src/envs/groups.ts), test batches of 50 from one group.
// Six methods on the same MLP (784-128-128-10, ReLU; Adam 1e-3; batches of 50; the ARM methods
// two groups a step): ERM, upweighting, group DRO, ARM-CML, ARM-BN, ARM-LL. Reported: the
// worst group's and the average accuracy over the 14 groups, mean ± standard error over seeds.
// The paper uses a small conv net and 60,000 digits; here an MLP and the npm package's 10,000.
import { setReproducible } from '../src/kernels/backend.ts';
import type { DigitImages } from '../src/envs/digits.ts';
import { RotatedDigits } from '../src/envs/groups.ts';
import { GROUP_METHODS, GroupShiftLearner, type GroupAccuracy, type GroupMethod } from '../src/meta/arm.ts';
import { Rng } from '../src/rng.ts';

export const ARM = { steps: 3000, seeds: [0, 1, 2], batchSize: 50 } as const;

export const ARM_NAMES: Record<GroupMethod, string> = {
  erm: 'ERM', uw: 'upweighting', dro: 'group DRO', 'arm-cml': 'ARM-CML', 'arm-bn': 'ARM-BN', 'arm-ll': 'ARM-LL',
};

export interface ArmResult {
  method: GroupMethod;
  seed: number;
  steps: number;
  accuracy: GroupAccuracy;
  /** The loss of every 10th step (the first included). */
  losses: number[];
  seconds: number;
}

/** The data every run shares: the split and the training groups of seed 0. */
export const armData = (images: DigitImages): RotatedDigits => new RotatedDigits(images);

/** A learner of this method and seed, as armRun starts it (to load saved weights into). */
export const armLearner = (method: GroupMethod, data: RotatedDigits, seed: number): GroupShiftLearner => new GroupShiftLearner(method, data, { seed, batchSize: ARM.batchSize });

/** Trains one method with one seed for `steps`, then evaluates every group. */
export function armRun(method: GroupMethod, data: RotatedDigits, seed: number, steps: number = ARM.steps, onStep?: (step: number, loss: number) => void): { result: ArmResult; learner: GroupShiftLearner } {
  setReproducible(true);
  const learner = armLearner(method, data, seed);
  const rng = new Rng(1000 + seed);
  const losses: number[] = [];
  const t0 = performance.now();
  for (let s = 0; s < steps; s++) {
    const loss = learner.trainStep(rng);
    if (s % 10 === 0) losses.push(loss);
    onStep?.(s, loss);
  }
  const accuracy = learner.evaluate(ARM.batchSize);
  return { result: { method, seed, steps, accuracy, losses, seconds: (performance.now() - t0) / 1000 }, learner };
}

/** Everything a trained learner holds, by name (model., context., lossNet.). */
export function armWeights(learner: GroupShiftLearner) {
  const out: Record<string, import('../src/autograd/tensor.ts').Tensor> = {};
  for (const [prefix, m] of [['model', learner.model], ['context', learner.context], ['lossNet', learner.lossNet]] as const) {
    if (m) for (const [k, t] of Object.entries(m.stateDict())) out[`${prefix}.${k}`] = t;
  }
  return out;
}

/** The README's table: worst-group and average accuracy (%), mean ± standard error over seeds. */
export function armTable(results: readonly ArmResult[]): string {
  const lines = ['| method | worst group | average | worst group, per seed |', '|---|---:|---:|---|'];
  const pct = (v: number) => (100 * v).toFixed(1);
  for (const method of GROUP_METHODS) {
    const rs = results.filter((r) => r.method === method).sort((a, b) => a.seed - b.seed);
    if (!rs.length) continue;
    const stat = (xs: number[]) => {
      const m = xs.reduce((a, b) => a + b, 0) / xs.length;
      const se = xs.length > 1 ? Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / (xs.length - 1) / xs.length) : 0;
      return `${pct(m)} ± ${pct(se)}`;
    };
    lines.push(`| ${ARM_NAMES[method]} | ${stat(rs.map((r) => r.accuracy.worst))} | ${stat(rs.map((r) => r.accuracy.average))} | ${rs.map((r) => pct(r.accuracy.worst)).join(' / ')} |`);
  }
  return lines.join('\n');
}
