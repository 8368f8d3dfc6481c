// The task samplers a user chooses by name: `metagrad train --sampler NAME`, config files and
// the web demo read this registry. An entry declares its options (src/options.ts) and builds its
// sampler for a run's family and shape. Adding a sampler is one file that exports its class,
// plus one entry in BUILT_IN below (or registerSampler(entry) from outside the library).
import { Registry, type Entry, type OptionValues } from '../../options.ts';
import { FlowAdversary } from './adversary.ts';
import { TaskBuffer, type BufferStrategy } from './buffer.ts';
import type { FlowKind } from './flow.ts';
import { CEMSampler } from './cem.ts';
import { CVaRSampler } from './cvar.ts';
import { GroupDRO } from './dro.ts';
import { uniformSampler, type SamplerContext, type TaskSampler } from './sampler.ts';

export interface SamplerEntry extends Entry {
  create(ctx: SamplerContext, options: OptionValues): TaskSampler;
}

const num = (o: OptionValues, k: string) => o[k] as number | undefined;

const BUILT_IN = (): SamplerEntry[] => [
  { name: 'uniform', summary: "the family's own distribution, every task weighed alike (the default)", options: [], create: (ctx) => uniformSampler(ctx.family) },
  {
    name: 'buffer', summary: "RMAML's prioritized task buffer: part of each batch re-used, chosen by loss",
    options: [
      { flag: 'buffer-strategy', field: 'bufferStrategy', kind: 'choice', choices: ['easy', 'medium', 'hard'], dflt: () => 'medium', arg: 'S', help: 'which buffered tasks return: easy, medium (default) or hard' },
      { flag: 'buffer-max', field: 'bufferMax', kind: 'int', min: () => 0, max: (c) => c.metaBatch as number, dflt: (c) => Math.floor((c.metaBatch as number) / 4), arg: 'N', help: 'most tasks a batch takes from the buffer (default: a quarter)' },
      { flag: 'buffer-ramp', field: 'bufferRamp', kind: 'int', min: () => 1, dflt: (c) => Math.max(1, Math.floor((c.metaSteps as number) / 2)), arg: 'N', help: 'meta-steps over which that share grows from 0 (default: half the run)' },
    ],
    create: (ctx, o) => new TaskBuffer(ctx, { strategy: o.bufferStrategy as BufferStrategy, maxFromBuffer: num(o, 'bufferMax'), rampSteps: num(o, 'bufferRamp') }),
  },
  {
    name: 'cvar', summary: 'CVaR-ML: only the worst alpha of each meta-batch counts',
    options: [{ flag: 'cvar-alpha', field: 'cvarAlpha', kind: 'number', min: () => 0, above: true, max: 1, dflt: () => 0.05, arg: 'A', help: 'tail fraction (default 0.05)' }],
    create: (ctx, o) => new CVaRSampler(ctx, { alpha: num(o, 'cvarAlpha') }),
  },
  {
    name: 'cem', summary: "RoML's cross-entropy sampler: the task distribution moves toward the hard tail",
    options: [
      { flag: 'cem-alpha', field: 'cemAlpha', kind: 'number', min: () => 0, above: true, max: 1, dflt: () => 0.05, arg: 'A', help: 'tail it aims at (default 0.05)' },
      { flag: 'cem-beta', field: 'cemBeta', kind: 'number', min: () => 0, above: true, max: 1, dflt: () => 0.2, arg: 'B', help: 'least fraction of a batch an update keeps (default 0.2)' },
      { flag: 'cem-nu', field: 'cemNu', kind: 'number', min: () => 0, max: 1, dflt: () => 0, arg: 'F', help: 'fraction of tasks from the original distribution (default 0)' },
      { flag: 'cem-batch', field: 'cemBatch', kind: 'int', min: () => 1, dflt: () => 200, arg: 'N', help: 'tasks per update (default 200)' },
    ],
    create: (ctx, o) => new CEMSampler(ctx, { alpha: num(o, 'cemAlpha'), beta: num(o, 'cemBeta'), nu: num(o, 'cemNu'), batchSize: num(o, 'cemBatch') }),
  },
  {
    name: 'dro', summary: 'group DRO: exponentiated-gradient weights on groups of tasks',
    options: [
      { flag: 'dro-eta', field: 'droEta', kind: 'number', min: () => 0, dflt: () => 0.01, arg: 'X', help: 'step size of the group weights (default 0.01)' },
      { flag: 'dro-group-by', field: 'droGroupBy', kind: 'text', dflt: () => undefined, arg: 'ID', help: "group by bins of this task identifier (default: the family's groups)" },
      { flag: 'dro-bins', field: 'droBins', kind: 'int', min: () => 1, max: 1000, dflt: () => 4, arg: 'N', help: 'bins of --dro-group-by (default 4)' },
    ],
    create: (ctx, o) => new GroupDRO(ctx, { eta: num(o, 'droEta'), groupBy: o.droGroupBy as string | undefined, bins: num(o, 'droBins') }),
  },
  {
    name: 'flow', summary: "AR-MAML's adversary: a normalizing flow on the task box trained to raise the loss",
    options: [
      { flag: 'flow-kind', field: 'flowKind', kind: 'choice', choices: ['planar', 'coupling'], dflt: () => 'planar', arg: 'K', help: 'planar (default) or coupling layers' },
      { flag: 'flow-layers', field: 'flowLayers', kind: 'int', min: () => 1, max: 64, dflt: () => 4, arg: 'N', help: 'flow layers (default 4)' },
      { flag: 'flow-interval', field: 'flowInterval', kind: 'int', min: () => 1, dflt: () => 10, arg: 'N', help: 'meta-steps between adversary updates (default 10)' },
      { flag: 'flow-lambda', field: 'flowLambda', kind: 'number', min: () => 0, dflt: () => 0.2, arg: 'X', help: 'weight of the KL to the initial distribution (default 0.2)' },
      { flag: 'flow-lr', field: 'flowLr', kind: 'number', min: () => 0, above: true, dflt: () => 1e-4, arg: 'X', help: "the adversary's Adam rate (default 0.0001)" },
    ],
    create: (ctx, o) => new FlowAdversary(ctx, {
      flow: o.flowKind as FlowKind, layers: num(o, 'flowLayers'), interval: num(o, 'flowInterval'), lambda: num(o, 'flowLambda'), lr: num(o, 'flowLr'),
    }),
  },
];

// Made at first use, not at module load, so a bundle that never reads it drops it.
let samplersMade: Registry<SamplerEntry> | null = null;
const samplers = (): Registry<SamplerEntry> => (samplersMade ??= new Registry<SamplerEntry>('sampler', 'samplerEntry', 'registerSampler', BUILT_IN));

/**
 * Adds a sampler under its name, for `metagrad train --sampler NAME` and config files.
 * @example registerSampler({ ...samplerEntry('uniform'), name: 'my-uniform', summary: 'uniform again' });
 */
export function registerSampler(entry: SamplerEntry): void {
  samplers().register(entry);
}

/**
 * The sampler registered under this name.
 * @example samplerEntry('cvar').options.map((o) => o.field) // ['cvarAlpha']
 */
export function samplerEntry(name: string): SamplerEntry {
  return samplers().get(name);
}

/**
 * The names of the registered samplers.
 * @example samplerNames() // ['uniform', 'buffer', 'cvar', 'cem', 'dro', 'flow', ...]
 */
export function samplerNames(): string[] {
  return samplers().names();
}
