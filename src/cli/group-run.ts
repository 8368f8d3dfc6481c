// Group-shift runs on the command line: `metagrad train --env rotated-digits|group-shift-2d
// --algo erm|uw|dro|arm-cml|arm-bn|arm-ll` trains a GroupShiftLearner (progress: the loss) and
// writes config.json, model.safetensors (the model, and ARM-CML's context or ARM-LL's loss
// network), metrics.json (the loss curve and every group's accuracy) and groups.svg (accuracy
// by group); `metagrad eval` on the folder prints each group's accuracy, the worst and the mean.
import { join } from 'node:path';
import { rmSync } from 'node:fs';
import { setReproducible } from '../kernels/backend.ts';
import { CheckpointError } from '../errors.ts';
import { Rng } from '../rng.ts';
import { linePlot } from '../plot.ts';
import type { Tensor } from '../autograd/tensor.ts';
import type { GroupAccuracy, GroupShiftLearner } from '../meta/arm.ts';
import type { GroupShiftData } from '../envs/groups.ts';
import { checkedGroupRunConfig, makeGroupRun, type GroupRunConfig } from '../meta/group-run.ts';
import { readDigitFiles } from './digit-files.ts';
import { Progress } from './progress.ts';
import { loadCheckpoint, readJson, saveCheckpoint, writeAtomic } from './io.ts';

const PARTS = ['model', 'context', 'lossNet'] as const;

/** The run's data and a fresh learner; the digits read from the mnist package when needed. */
const setUp = (c: GroupRunConfig) => makeGroupRun(c, c.env === 'rotated-digits' ? readDigitFiles() : undefined);

function weights(learner: GroupShiftLearner): Record<string, Tensor> {
  const out: Record<string, Tensor> = {};
  for (const part of PARTS) for (const [k, t] of Object.entries(learner[part]?.stateDict() ?? {})) out[`${part}.${k}`] = t;
  return out;
}

export function groupTable(name: string, data: GroupShiftData, acc: GroupAccuracy): string {
  const pct = (v: number) => (100 * v).toFixed(1);
  return [`| ${name} | ${data.groupNames.join(' | ')} | worst | mean |`, `|---|${'---:|'.repeat(data.groups + 2)}`,
    `| accuracy % | ${acc.perGroup.map(pct).join(' | ')} | ${pct(acc.worst)} | ${pct(acc.average)} |`].join('\n');
}

/** Trains a group-shift run into `out` and prints each group's accuracy (or one JSON line). */
export function trainGroups(c: GroupRunConfig, out: string, o: { quiet: boolean; json: boolean }): void {
  setReproducible(c.reproducible === true);
  for (const f of ['model.safetensors', 'metrics.json']) rmSync(join(out, f), { force: true });
  writeAtomic(join(out, 'config.json'), JSON.stringify(c, null, 2) + '\n');
  const { data, learner } = setUp(c);
  const progress = new Progress(`${c.algo} ${c.env}`, c.steps, o.quiet || o.json);
  const rng = new Rng(1000 + c.seed);
  const losses: number[] = [];
  let running = NaN;
  const t0 = performance.now();
  for (let s = 0; s < c.steps; s++) {
    const loss = learner.trainStep(rng);
    losses.push(loss);
    running = Number.isNaN(running) ? loss : 0.98 * running + 0.02 * loss;
    progress.update(s + 1, `loss ${running.toFixed(3)}`);
  }
  const seconds = (performance.now() - t0) / 1000;
  saveCheckpoint(join(out, 'model.safetensors'), weights(learner), { format: c.format, config: JSON.stringify(c) });
  const acc = learner.evaluate(c.batchSize);
  writeAtomic(join(out, 'metrics.json'), JSON.stringify({ steps: c.steps, seconds, losses, accuracy: acc, ...(c.algo === 'dro' ? { groupWeights: learner.groupWeights } : {}) }, null, 2) + '\n');
  const xs = data.groupNames.map((_, g) => g);
  writeAtomic(join(out, 'groups.svg'), linePlot([{ label: c.algo, xs, ys: acc.perGroup.map((v) => 100 * v) }],
    { title: `${c.algo} on ${c.env}: test accuracy by group (${data.groupNames.join(', ')})`, xLabel: 'group', yLabel: 'accuracy %' }));
  if (o.json) console.log(JSON.stringify({ steps: c.steps, seconds, out, worst: acc.worst, average: acc.average }));
  else console.log(`trained ${c.algo} on ${c.env}: ${c.steps} steps in ${seconds.toFixed(1)} s -> ${out}\n${groupTable(c.algo, data, acc)}`);
}

/** The folder's config.json of a group-shift run, checked. */
export function readGroupRunConfig(dir: string): GroupRunConfig {
  const path = join(dir, 'config.json');
  return checkedGroupRunConfig(readJson<unknown>(path, 'run config (config.json)'), path);
}

/** A trained group-shift run: its config, data and learner with the stored weights. */
export function loadGroupRun(dir: string): { config: GroupRunConfig; data: GroupShiftData; learner: GroupShiftLearner } {
  const config = readGroupRunConfig(dir);
  setReproducible(config.reproducible === true);
  const { data, learner } = setUp(config);
  const { tensors, metadata } = loadCheckpoint(join(dir, 'model.safetensors'));
  if (metadata.config !== JSON.stringify(config)) throw new CheckpointError(`${dir}: config.json and model.safetensors disagree (an interrupted train? train again)`);
  try {
    for (const part of PARTS) {
      const m = learner[part];
      if (m) m.loadStateDict(Object.fromEntries(Object.entries(tensors).filter(([k]) => k.startsWith(`${part}.`)).map(([k, t]) => [k.slice(part.length + 1), t])));
    }
  } catch (e) {
    throw new CheckpointError(`${dir}/model.safetensors does not fit the run in config.json: ${(e as Error).message}`);
  }
  return { config, data, learner };
}
