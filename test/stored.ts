// The stored results of the long experiments (experiments/results/: what `npm run experiment --
// NAME` wrote, JSON and the trained weights) and the README tables they make. The experiment
// tests recompute each table from the JSON, every held-out evaluation from the stored weights,
// and retrain the first meta-steps of each method to the stored losses: the whole pipeline
// short of the full training runs, which `npm run experiment -- NAME` repeats.
import { readFileSync } from 'node:fs';
import * as assert from 'uvu/assert';
import { fromSafetensors } from '../src/nn/safetensors.ts';
import type { Tensor } from '../src/autograd/tensor.ts';

export const RESULTS = 'experiments/results';

export function storedJson<T>(name: string): T {
  return JSON.parse(readFileSync(`${RESULTS}/${name}.json`, 'utf8')) as T;
}

/** The tensors of a stored weights file whose names start with `prefix`, the prefix removed. */
export function storedWeights(file: string, prefix = ''): Record<string, Tensor> {
  const { tensors } = fromSafetensors(readFileSync(`${RESULTS}/${file}.safetensors`), file);
  const out = Object.fromEntries(Object.entries(tensors).filter(([k]) => k.startsWith(prefix)).map(([k, t]) => [k.slice(prefix.length), t]));
  assert.ok(Object.keys(out).length > 0, `${file}: no weights under '${prefix}'`);
  return out;
}

/** The README's table between <!-- NAME table --> and <!-- end NAME table -->. */
export function readmeTable(name: string): string {
  const m = new RegExp(`<!-- ${name} table -->\\n([\\s\\S]*?)\\n<!-- end ${name} table -->`).exec(readFileSync('README.md', 'utf8'));
  assert.ok(m, `the README marks its ${name} table`);
  return m![1];
}
