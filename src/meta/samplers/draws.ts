// Where a sampler drew its tasks over training, for families with one or two identifiers
// (RoML's and AR-MAML's "which tasks are hard" picture): a wrapper that counts each drawn id in
// a histogram over the box, per stretch of the run for one identifier (time on the y axis), over
// the whole run for two. The counts are part of the sampler's state, so a resumed run draws
// the same picture.
import { ArgumentError, describe, expectNumber } from '../../errors.ts';
import { Tensor } from '../../autograd/tensor.ts';
import type { Task } from '../../envs/task.ts';
import type { Rng } from '../../rng.ts';
import { heatMap } from '../../plot.ts';
import { expectContext, type SamplerContext, type TaskSampler } from './sampler.ts';

/** Whether draws can be pictured for this family: one or two identifiers, a finite box. */
export function drawsPicturable(ctx: SamplerContext): boolean {
  const f = ctx.family;
  return (f.idNames.length === 1 || f.idNames.length === 2) && [...f.idLow, ...f.idHigh].every(Number.isFinite);
}

/**
 * The sampler with its draws counted: `bins` cells per identifier and, for one identifier,
 * `timeBins` stretches of the run. plots() adds 'draws', the heat map.
 * @example recordDraws(uniformSampler(new Sinusoid()), { family: new Sinusoid(), metaBatch: 4, metaSteps: 10 }).name // 'uniform'
 */
export function recordDraws(sampler: TaskSampler, ctx: SamplerContext, bins = 40, timeBins = 40): TaskSampler {
  if (sampler === null || typeof sampler !== 'object' || typeof sampler.sample !== 'function') throw new ArgumentError(`recordDraws: sampler must be a TaskSampler, got ${describe(sampler)}`);
  expectContext('recordDraws', ctx);
  expectNumber('recordDraws', 'bins', bins, { integer: true, min: 1, max: 1000 });
  expectNumber('recordDraws', 'timeBins', timeBins, { integer: true, min: 1, max: 1000 });
  if (!drawsPicturable(ctx)) throw new ArgumentError(`recordDraws: the family '${ctx.family.name}' has ${ctx.family.idNames.length} identifiers or an unbounded box; draws are pictured for one or two in a finite box`);
  const f = ctx.family;
  const oneD = f.idNames.length === 1;
  const rows = oneD ? Math.min(timeBins, Math.max(1, ctx.metaSteps)) : bins;
  let counts = new Float64Array(rows * bins);
  const cell = (v: number, j: number) => Math.min(bins - 1, Math.max(0, Math.floor(((v - f.idLow[j]) / (f.idHigh[j] - f.idLow[j])) * bins)));
  const count = (tasks: readonly Task[], step: number) => {
    const row = oneD ? Math.min(rows - 1, Math.floor((step * rows) / Math.max(1, ctx.metaSteps))) : 0;
    for (const t of tasks) counts[oneD ? row * bins + cell(t.id[0], 0) : cell(t.id[1], 1) * bins + cell(t.id[0], 0)]++;
  };
  return {
    ...bindAll(sampler),
    sample(rng: Rng, n: number, step: number): Task[] {
      const tasks = sampler.sample(rng, n, step);
      count(tasks, step);
      return tasks;
    },
    state(): Record<string, Tensor> {
      return { ...(sampler.state?.() ?? {}), draws: new Tensor(counts.slice(), [rows, bins]) };
    },
    loadState(state: Record<string, Tensor>): void {
      const t = state.draws;
      if (!t || t.ndim !== 2 || t.shape[0] !== rows || t.shape[1] !== bins) throw new ArgumentError(`recordDraws.loadState: expected 'draws' of shape [${rows}, ${bins}], got ${t ? JSON.stringify(t.shape) : 'none'}`);
      counts = Float64Array.from(t.data);
      const { draws: _, ...rest } = state;
      sampler.loadState?.(rest);
    },
    plots(): Record<string, string> {
      const range = (j: number) => [f.idLow[j], f.idHigh[j]] as const;
      const values = oneD ? rowShares(counts, rows, bins) : counts;
      const svg = oneD
        ? heatMap(values, rows, bins, { title: `${sampler.name} sampler: where tasks were drawn over training`, xLabel: f.idNames[0], yLabel: 'meta-step', valueLabel: 'share of the stretch\'s draws', xRange: range(0), yRange: [0, ctx.metaSteps] })
        : heatMap(values, bins, bins, { title: `${sampler.name} sampler: where tasks were drawn over training`, xLabel: f.idNames[0], yLabel: f.idNames[1], valueLabel: 'tasks drawn', xRange: range(0), yRange: range(1) });
      return { ...(sampler.plots?.() ?? {}), draws: svg };
    },
  };
}

/** Each row divided by its sum (a stretch with no draws stays 0). */
function rowShares(counts: Float64Array, rows: number, cols: number): Float64Array {
  const out = new Float64Array(counts.length);
  for (let r = 0; r < rows; r++) {
    let total = 0;
    for (let c = 0; c < cols; c++) total += counts[r * cols + c];
    for (let c = 0; c < cols; c++) out[r * cols + c] = total > 0 ? counts[r * cols + c] / total : 0;
  }
  return out;
}

/** The sampler's optional methods bound to it, so the wrapper can hand them on. */
function bindAll(s: TaskSampler): TaskSampler {
  return {
    name: s.name,
    sample: s.sample.bind(s),
    ...(s.observe ? { observe: s.observe.bind(s) } : {}),
    ...(s.objective ? { objective: s.objective.bind(s) } : {}),
    ...(s.history ? { history: s.history.bind(s) } : {}),
  };
}
