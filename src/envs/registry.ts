// The environments (task families) a user chooses by name: `metagrad train --env NAME`, config
// files and the web demo read this registry. An entry declares its options (src/options.ts),
// builds its family from their values, and may draw what a trained learner does on its tasks.
// Adding an environment is one file that exports an entry, plus one line in BUILT_IN below (or
// registerEnvironment(entry) from outside the library).
import type { Tensor } from '../autograd/tensor.ts';
import type { Module, ParamMap } from '../nn/module.ts';
import type { Rng } from '../rng.ts';
import { msrEntries } from './local-filters-entry.ts';
import { Registry, type Entry, type OptionValues } from '../options.ts';
import { robustSineEntry, sinusoidEntry } from './sinusoid-entry.ts';
import { cartPoleSysIdEntry, pendulumSysIdEntry } from './sysid.ts';
import type { Batch, TaskFamily } from './task.ts';

/** What a picture needs of a trained learner: its weights, how it adapts, how it predicts. */
export interface Adapter {
  readonly name: string;
  initial(): ParamMap;
  adapt(params: ParamMap, support: Batch, steps: number): ParamMap;
  predict(x: Tensor, params: ParamMap): Tensor;
}

export interface PlotOptions {
  shots: number;
  steps: number;
  seed: number;
}

export interface EnvironmentEntry extends Entry {
  create(options: OptionValues): TaskFamily;
  /**
   * The network a run trains on this family, when not the MLP of --hidden (MSR's layers, a conv
   * net for images); `head` false for a learner that compares embeddings (ProtoNet).
   */
  model?(family: TaskFamily, options: OptionValues, rng: Rng, head: boolean): Module;
  /** SVG pictures of a few held-out tasks before and after adaptation, one per task. */
  plots?(family: TaskFamily, learner: Adapter, o: PlotOptions): string[];
}

const BUILT_IN = (): EnvironmentEntry[] => [sinusoidEntry, robustSineEntry, pendulumSysIdEntry, cartPoleSysIdEntry, ...msrEntries()];

// Made at first use, not at module load: a bundle that never reads the registry drops it and
// every entry it lists (a module-level `new` would have to be kept, for its side effects).
let environmentsMade: Registry<EnvironmentEntry> | null = null;
const environments = (): Registry<EnvironmentEntry> => (environmentsMade ??= new Registry<EnvironmentEntry>('environment', 'environment', 'registerEnvironment', BUILT_IN));

/**
 * Adds an environment under its name, for `metagrad train --env NAME` and config files.
 * @example registerEnvironment({ ...environment('sinusoid'), name: 'my-sine', summary: 'sinusoid, my way' });
 */
export function registerEnvironment(entry: EnvironmentEntry): void {
  environments().register(entry);
}

/**
 * The environment registered under this name.
 * @example environment('sinusoid').create({}).idNames // ['amplitude', 'phase']
 */
export function environment(name: string): EnvironmentEntry {
  return environments().get(name);
}

/**
 * The names of the registered environments.
 * @example environmentNames() // ['sinusoid', ...]
 */
export function environmentNames(): string[] {
  return environments().names();
}
