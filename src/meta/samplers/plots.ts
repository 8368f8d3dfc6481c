// Pictures of a sampler: one line plot per recorded series, each column against the meta-step
// (the CEM's parameters moving toward the hard tail, DRO's group weights, ...), and the
// sampler's own pictures of its distribution (the flow adversary's marginal densities).
import { ArgumentError, describe } from '../../errors.ts';
import { linePlot } from '../../plot.ts';
import type { TaskSampler } from './sampler.ts';

/**
 * SVG plots of the sampler's recorded series, by series name (none for uniform).
 * @example samplerPlots(uniformSampler(new Sinusoid())) // {}
 */
export function samplerPlots(sampler: TaskSampler): Record<string, string> {
  if (sampler === null || typeof sampler !== 'object' || typeof sampler.sample !== 'function') throw new ArgumentError(`samplerPlots: sampler must be a TaskSampler, got ${describe(sampler)}`);
  const out: Record<string, string> = {};
  for (const [name, { columns, rows }] of Object.entries(sampler.history?.() ?? {})) {
    if (rows.length === 0) continue;
    const xs = rows.map((r) => r[0]);
    const series = columns.slice(1).map((label, k) => ({ label, xs, ys: rows.map((r) => r[k + 1]) }));
    out[name] = linePlot(series, { title: `${sampler.name} sampler: ${name}`, xLabel: 'meta-step', yLabel: name });
  }
  return { ...out, ...(sampler.plots?.() ?? {}) };
}
