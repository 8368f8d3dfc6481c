// `metagrad train --env msr-rank1|msr-rank2|msr-rank5`: MSR's synthetic families (LocalFilters)
// with the paper's four one-layer networks (--model): fully connected, locally connected, a
// convolution, and MSR-FC (vec W = U·v; the inner loop adapts v, U is meta-learned).
import { Linear } from '../nn/layers.ts';
import { LocallyConnected1d, MSRLinear } from '../nn/msr.ts';
import type { OptionValues } from '../options.ts';
import { LocalFilters } from './local-filters.ts';
import type { EnvironmentEntry } from './registry.ts';
import type { TaskFamily } from './task.ts';

/** MSR-FC's latent size by rank, the paper's (3, 6, 30). */
const LATENT: Record<number, number> = { 1: 3, 2: 6, 5: 30 };
const MODELS = ['msr', 'fc', 'lc', 'conv'] as const;

function entry(rank: 1 | 2 | 5): EnvironmentEntry {
  return {
    name: `msr-rank${rank}`,
    summary: `MSR's regression (Zhou et al. 2021): y from ${rank === 1 ? 'one filter at every position (a convolution)' : `a locally connected layer mixing ${rank} per-task filters`}`,
    options: [
      { flag: 'model', field: 'model', kind: 'choice', choices: MODELS, dflt: () => 'msr', arg: 'NAME', help: 'the network: msr (vec W = U v, U meta-learned), fc, lc or conv (default msr)' },
      { flag: 'latent', field: 'latent', kind: 'int', min: () => 1, max: 4096, dflt: () => LATENT[rank], arg: 'N', help: 'the size of v of --model msr (default 3, 6 and 30 for ranks 1, 2 and 5)' },
    ],
    create: (): TaskFamily => new LocalFilters({ rank }),
    model: (family, o: OptionValues, rng) => {
      const [inputs, outputs] = [family.inputSize, family.outputSize];
      if (o.model === 'fc') return new Linear(inputs, outputs, { bias: false, rng });
      if (o.model === 'lc' || o.model === 'conv') return new LocallyConnected1d(inputs, inputs - outputs + 1, { shared: o.model === 'conv', rng });
      return new MSRLinear(inputs, outputs, { latent: o.latent as number, rng });
    },
  };
}

export const msrEntries = (): EnvironmentEntry[] => [entry(1), entry(2), entry(5)];
