// Reinforcement-learning environments in the gymnasium shape, as plain numeric code over flat
// typed arrays (no tensors, no tape inside a step): spaces, one environment, N copies stepped
// at once, and the task family that makes them. A task is an identifier vector in a documented
// box (a goal, a mass and a length, ...), set with setTask, so the task samplers of
// src/meta/samplers can choose which tasks a meta-learner meets.
import { ArgumentError, describe } from '../../errors.ts';
import type { Rng } from '../../rng.ts';

export interface BoxSpace {
  readonly kind: 'box';
  readonly low: readonly number[];
  readonly high: readonly number[];
}

export interface DiscreteSpace {
  readonly kind: 'discrete';
  readonly n: number;
}

export type Space = BoxSpace | DiscreteSpace;

/** How many numbers an action or observation of this space takes (a discrete action: one). */
export const spaceSize = (s: Space): number => (s.kind === 'box' ? s.low.length : 1);

export interface StepResult {
  obs: Float64Array;
  reward: number;
  /** The episode ended inside the task (goal reached, pole fallen). */
  terminated: boolean;
  /** The episode was cut at the horizon. */
  truncated: boolean;
  info?: Record<string, number>;
}

/** What every environment shares: spaces, the task box, the horizon. */
export interface EnvSpec {
  readonly name: string;
  readonly observationSpace: BoxSpace;
  readonly actionSpace: Space;
  /** The task identifier: what each coordinate means, and the box tasks are drawn from. */
  readonly idNames: readonly string[];
  readonly idLow: readonly number[];
  readonly idHigh: readonly number[];
  /** Steps before an episode is truncated. */
  readonly horizon: number;
}

/** The spec's fields copied onto an environment or its family (both carry them). */
export abstract class WithSpec implements EnvSpec {
  readonly name: string;
  readonly observationSpace: BoxSpace;
  readonly actionSpace: Space;
  readonly idNames: readonly string[];
  readonly idLow: readonly number[];
  readonly idHigh: readonly number[];
  readonly horizon: number;

  constructor(spec: EnvSpec) {
    this.name = spec.name;
    this.observationSpace = spec.observationSpace;
    this.actionSpace = spec.actionSpace;
    this.idNames = spec.idNames;
    this.idLow = spec.idLow;
    this.idHigh = spec.idHigh;
    this.horizon = spec.horizon;
  }
}

export interface Env extends EnvSpec {
  setTask(id: readonly number[]): void;
  /** Starts an episode; with a seed, the environment's generator is reseeded first. */
  reset(seed?: number): Float64Array;
  step(action: ArrayLike<number> | number): StepResult;
}

/** Makes environments of one kind and draws their tasks (the family's own distribution). */
export interface EnvFamily extends EnvSpec {
  make(): Env;
  sampleTasks(rng: Rng, n: number): number[][];
}

/** The task id checked against the family: the right length, finite numbers. */
export function checkTaskId(env: EnvSpec, id: unknown): number[] {
  if (!Array.isArray(id) || id.length !== env.idNames.length || id.some((v) => typeof v !== 'number' || !Number.isFinite(v))) {
    throw new ArgumentError(`${env.name}.setTask: id must be ${env.idNames.length} finite numbers [${env.idNames.join(', ')}], got ${describe(id)}`);
  }
  return id as number[];
}

/** A continuous action checked (length, finite) and clipped into its box. */
export function boxAction(env: EnvSpec, action: ArrayLike<number> | number, out: Float64Array): Float64Array {
  const space = env.actionSpace as BoxSpace;
  const n = space.low.length;
  const a = typeof action === 'number' ? [action] : action;
  if (a === null || typeof a !== 'object' || a.length !== n) throw new ArgumentError(`${env.name}.step: action must be ${n} numbers, got ${describe(action)}`);
  for (let i = 0; i < n; i++) {
    const v = a[i];
    if (typeof v !== 'number' || Number.isNaN(v)) throw new ArgumentError(`${env.name}.step: action[${i}] is ${describe(v)}; actions must be numbers`);
    out[i] = Math.min(space.high[i], Math.max(space.low[i], v));
  }
  return out;
}

/** A discrete action checked: an integer in [0, n). */
export function discreteAction(env: EnvSpec, action: ArrayLike<number> | number): number {
  const n = (env.actionSpace as DiscreteSpace).n;
  const a = typeof action === 'number' ? action : action?.length === 1 ? action[0] : NaN;
  if (!Number.isInteger(a) || a < 0 || a >= n) throw new ArgumentError(`${env.name}.step: action must be an integer from 0 to ${n - 1}, got ${describe(action)}`);
  return a;
}

export interface VectorStep {
  /** [N, obs] row-major. */
  obs: Float64Array;
  reward: Float64Array;
  /** 1 where the copy's episode has ended (terminated or truncated), now or before. */
  done: Uint8Array;
}

/**
 * N copies of an environment stepped together over flat arrays. A copy whose episode ended
 * stays ended until reset: it ignores its actions, earns 0 and repeats its last observation,
 * so a batch of rollouts of a fixed horizon needs no bookkeeping.
 */
export class VectorEnv {
  static readonly typeName: string = 'VectorEnv';
  readonly envs: Env[];
  readonly obsSize: number;
  readonly actSize: number;
  private readonly doneMask: Uint8Array;
  private last: Float64Array;

  constructor(family: EnvFamily, readonly count: number) {
    if (!Number.isInteger(count) || count < 1 || count > 1_000_000) throw new ArgumentError(`VectorEnv: count must be an integer from 1 to 1000000, got ${describe(count)}`);
    this.envs = Array.from({ length: count }, () => family.make());
    this.obsSize = family.observationSpace.low.length;
    this.actSize = spaceSize(family.actionSpace);
    this.doneMask = new Uint8Array(count);
    this.last = new Float64Array(count * this.obsSize);
  }

  /** One task per copy (ids[i] for copy i). */
  setTasks(ids: readonly (readonly number[])[]): void {
    if (!Array.isArray(ids) || ids.length !== this.count) throw new ArgumentError(`VectorEnv.setTasks: expected ${this.count} task ids, got ${describe(ids)}`);
    ids.forEach((id, i) => this.envs[i].setTask(id));
  }

  /** Resets every copy; copy i's generator is seeded seed + i when a seed is given. */
  reset(seed?: number): Float64Array {
    const obs = new Float64Array(this.count * this.obsSize);
    this.envs.forEach((e, i) => obs.set(e.reset(seed === undefined ? undefined : seed + i), i * this.obsSize));
    this.doneMask.fill(0);
    this.last = obs.slice();
    return obs;
  }

  /** actions: [N, act] row-major (a discrete action is one number per copy). */
  step(actions: ArrayLike<number>): VectorStep {
    if (actions === null || typeof actions !== 'object' || actions.length !== this.count * this.actSize) {
      throw new ArgumentError(`VectorEnv.step: actions must be ${this.count} x ${this.actSize} numbers, got ${describe(actions)}`);
    }
    const obs = new Float64Array(this.count * this.obsSize);
    const reward = new Float64Array(this.count);
    const done = new Uint8Array(this.count);
    const one = new Float64Array(this.actSize);
    for (let i = 0; i < this.count; i++) {
      if (this.doneMask[i]) { // ended: its last observation again, no reward
        done[i] = 1;
        obs.set(this.last.subarray(i * this.obsSize, (i + 1) * this.obsSize), i * this.obsSize);
        continue;
      }
      for (let j = 0; j < this.actSize; j++) one[j] = actions[i * this.actSize + j];
      const r = this.envs[i].step(this.actSize === 1 && this.envs[i].actionSpace.kind === 'discrete' ? one[0] : one);
      obs.set(r.obs, i * this.obsSize);
      reward[i] = r.reward;
      if (r.terminated || r.truncated) this.doneMask[i] = 1;
      done[i] = this.doneMask[i];
    }
    this.last = obs;
    return { obs, reward, done };
  }
}
