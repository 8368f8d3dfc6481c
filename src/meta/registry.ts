// The learners a user chooses by name: `metagrad train --algo NAME`, config files, the task
// workers of parallelTasks and the web demo read this registry. An entry declares its options
// (src/options.ts) and builds its learner around a model for a task family. Adding a learner is
// one file that exports its entry, plus one line in BUILT_IN below (or registerLearner(entry)
// from outside the library).
import { ArgumentError, expectNumber } from '../errors.ts';
import type { TaskFamily } from '../envs/task.ts';
import type { Module } from '../nn/module.ts';
import { Registry, type Entry, type OptionSpec, type OptionValues } from '../options.ts';
import type { Learner } from './learner.ts';
import { MAML, anil, metaSGD } from './maml.ts';
import { Pretrain } from './pretrain.ts';
import { Reptile } from './reptile.ts';
import { ProtoNet } from './protonet.ts';

export interface LearnerEntry extends Entry {
  create(model: Module, family: TaskFamily, options: OptionValues): Learner;
  /** The sampler a run of this learner uses unless --sampler says otherwise (default uniform). */
  readonly defaultSampler?: string;
  /** The learner compares embeddings (ProtoNet): its network ends in an embedding, with no output layer of the family's size. */
  readonly embeds?: boolean;
}

/**
 * The inner loop's options, shared by the MAML family; Reptile's defaults differ.
 * @example innerLoopOptions(5, 1).map((o) => o.flag) // ['inner-steps', 'inner-lr']
 */
export function innerLoopOptions(defaultSteps = 1, minSteps = 0): OptionSpec[] {
  expectNumber('innerLoopOptions', 'minSteps', minSteps, { integer: true, min: 0, max: 1000 });
  expectNumber('innerLoopOptions', 'defaultSteps', defaultSteps, { integer: true, min: minSteps, max: 1000 });
  return [
    { flag: 'inner-steps', field: 'innerSteps', kind: 'int', min: () => minSteps, max: 1000, dflt: () => defaultSteps, arg: 'N', help: `inner SGD steps (default ${defaultSteps})` },
    { flag: 'inner-lr', field: 'innerLr', kind: 'number', min: () => 0, dflt: () => 0.01, arg: 'X', help: 'inner learning rate (default 0.01)' },
  ];
}

const inner = (family: TaskFamily, o: OptionValues) => ({ innerLr: o.innerLr as number, innerSteps: o.innerSteps as number, loss: family.loss });

const BUILT_IN = (): LearnerEntry[] => [
  { name: 'maml', summary: 'MAML, second order (Finn et al. 2017)', options: innerLoopOptions(), create: (m, f, o) => new MAML(m, inner(f, o)) },
  { name: 'fomaml', summary: 'first-order MAML', options: innerLoopOptions(), create: (m, f, o) => new MAML(m, { ...inner(f, o), firstOrder: true }) },
  { name: 'metasgd', summary: 'Meta-SGD: a learned inner rate per parameter entry (Li et al. 2017)', options: innerLoopOptions(), create: (m, f, o) => metaSGD(m, inner(f, o)) },
  { name: 'reptile', summary: 'Reptile (Nichol et al. 2018)', options: innerLoopOptions(5, 1), create: (m, f, o) => new Reptile(m, inner(f, o)) },
  { name: 'anil', summary: 'ANIL: only the head adapts (Raghu et al. 2020)', options: innerLoopOptions(), create: (m, f, o) => anil(m, inner(f, o)) },
  {
    name: 'pretrain', summary: 'the baseline: joint training on all tasks, fine-tuned at test time',
    // inner-steps is recorded with the run, as for the others; pretraining has no inner loop
    options: innerLoopOptions(), create: (m, f, o) => new Pretrain(m, { innerLr: o.innerLr as number, loss: f.loss }),
  },
  {
    name: 'protonet', summary: 'prototypical networks: classes by distance to their mean support embedding (Snell et al. 2017)',
    options: [], embeds: true,
    create: (m, f) => {
      if (f.loss !== 'crossEntropy') throw new ArgumentError(`protonet classifies; --env ${f.name} is a regression family (loss ${f.loss}): choose a classification family such as digits-fewshot`);
      return new ProtoNet(m, { ways: f.outputSize });
    },
  },
  {
    name: 'rmaml', summary: "RMAML: MAML with the hypergradient inner rate and the prioritized task buffer (--sampler buffer)",
    options: [...innerLoopOptions(), { flag: 'lr-hypergradient', field: 'innerLrHypergradient', kind: 'number', min: () => 0, dflt: () => 1e-4, arg: 'X', help: "step of RMAML's inner-rate rule (default 0.0001)" }],
    defaultSampler: 'buffer',
    create: (m, f, o) => new MAML(m, { ...inner(f, o), innerLrHypergradient: o.innerLrHypergradient as number, name: 'rmaml' }),
  },
];

// Made at first use, not at module load: a bundle that never reads the registry drops it and
// every entry it lists (a module-level `new` would have to be kept, for its side effects).
let learnersMade: Registry<LearnerEntry> | null = null;
const learners = (): Registry<LearnerEntry> => (learnersMade ??= new Registry<LearnerEntry>('learner', 'learnerEntry', 'registerLearner', BUILT_IN));

/**
 * Adds a learner under its name, for `metagrad train --algo NAME` and config files.
 * @example registerLearner({ ...learnerEntry('maml'), name: 'maml-copy', summary: 'MAML again' });
 */
export function registerLearner(entry: LearnerEntry): void {
  learners().register(entry);
}

/**
 * The learner registered under this name.
 * @example learnerEntry('reptile').options.map((o) => o.field) // ['innerSteps', 'innerLr']
 */
export function learnerEntry(name: string): LearnerEntry {
  return learners().get(name);
}

/**
 * The names of the registered learners.
 * @example learnerNames() // ['maml', 'fomaml', 'metasgd', 'reptile', 'anil', 'pretrain', ...]
 */
export function learnerNames(): string[] {
  return learners().names();
}
