// Pendulum and CartPole as supervised task families: system identification (AR-MAML's
// pendulum family). A task is the environment's id (mass, length, damping); a data point is a
// state a random policy reaches and a random action, the input (cos θ, sin θ, θ̇, u) for the
// pendulum and (x, ẋ, cos θ, sin θ, θ̇, u) with u = ±1 for CartPole, and the target the next
// state as the environment observes it: (cos θ', sin θ', θ̇') and (x', ẋ', θ', θ̇'). States come
// from a reset and a random number of random actions (up to 50 pendulum steps of 0.05 s, 20
// CartPole steps, restarting when the pole falls), so the points cover what a random policy sees.
import { ArgumentError, describe, expectNumber } from '../errors.ts';
import { Rng } from '../rng.ts';
import { Tensor } from '../autograd/tensor.ts';
import { CartPole } from './rl/cartpole.ts';
import type { Env, EnvFamily } from './rl/env.ts';
import { Pendulum } from './rl/pendulum.ts';
import { uniformIds, type Batch, type Task, type TaskFamily } from './task.ts';

export type SysIdSystem = 'pendulum' | 'cartpole';

const SYSTEMS: Record<SysIdSystem, { make: () => EnvFamily; inputs: number; outputs: number; warmup: number }> = {
  pendulum: { make: () => new Pendulum(), inputs: 4, outputs: 3, warmup: 50 },
  cartpole: { make: () => new CartPole(), inputs: 6, outputs: 4, warmup: 20 },
};

class SysIdTask implements Task {
  private readonly env: Env;

  constructor(readonly id: readonly number[], private readonly system: SysIdSystem, family: EnvFamily) {
    this.env = family.make();
    this.env.setTask(id);
  }

  /** A random action: a torque U[-2, 2], or a push left or right (as 0/1 for the env, ±1 as input). */
  private action(rng: Rng): number {
    return this.system === 'pendulum' ? rng.uniform(-2, 2) : rng.int(2);
  }

  sample(rng: Rng, n: number): Batch {
    expectNumber('SysIdTask.sample', 'n', n, { integer: true, min: 1 });
    const { inputs, outputs, warmup } = SYSTEMS[this.system];
    const x = new Float32Array(n * inputs);
    const y = new Float32Array(n * outputs);
    for (let i = 0; i < n; i++) {
      let obs = this.env.reset(rng.int(2 ** 31));
      for (let w = rng.int(warmup + 1); w > 0; w--) {
        const r = this.env.step(this.action(rng));
        obs = r.terminated || r.truncated ? this.env.reset(rng.int(2 ** 31)) : r.obs;
      }
      const a = this.action(rng);
      const next = this.env.step(a).obs;
      const row = this.system === 'pendulum' ? [obs[0], obs[1], obs[2], a] : [obs[0], obs[1], Math.cos(obs[2]), Math.sin(obs[2]), obs[3], a === 1 ? 1 : -1];
      x.set(row, i * inputs);
      y.set(next, i * outputs);
    }
    return { x: new Tensor(x, [n, inputs]), y: new Tensor(y, [n, outputs]) };
  }
}

/**
 * The pendulum's or CartPole's dynamics as a family of regression tasks, one per physical id.
 * @example new SysId('pendulum').sample(new Rng(0), 1)[0].sample(new Rng(1), 5).x.shape // [5, 4]
 */
export class SysId implements TaskFamily {
  static readonly typeName: string = 'SysId';
  readonly name: string;
  readonly idNames: readonly string[];
  readonly idLow: readonly number[];
  readonly idHigh: readonly number[];
  readonly inputSize: number;
  readonly outputSize: number;
  readonly loss = 'mse' as const;
  private readonly family: EnvFamily;

  constructor(readonly system: SysIdSystem) {
    if (!Object.hasOwn(SYSTEMS, system)) throw new ArgumentError(`SysId: system must be pendulum or cartpole, got ${describe(system)}`);
    this.family = SYSTEMS[system].make();
    this.name = `${system}-sysid`;
    this.idNames = this.family.idNames;
    this.idLow = this.family.idLow;
    this.idHigh = this.family.idHigh;
    this.inputSize = SYSTEMS[system].inputs;
    this.outputSize = SYSTEMS[system].outputs;
  }

  sample(rng: Rng, n: number): Task[] {
    return Array.from({ length: n }, () => this.task(uniformIds(rng, this.idLow, this.idHigh)));
  }

  task(id: readonly number[]): Task {
    return new SysIdTask([...id], this.system, this.family);
  }
}

/** `metagrad train --env pendulum-sysid|cartpole-sysid`: the dynamics of a system of unknown mass, length and damping. */
export const pendulumSysIdEntry = {
  name: 'pendulum-sysid',
  summary: "the pendulum's next state from (cos, sin, speed, torque); mass, length, damping the task",
  options: [],
  create: (): TaskFamily => new SysId('pendulum'),
};

export const cartPoleSysIdEntry = {
  name: 'cartpole-sysid',
  summary: "CartPole's next state from the state and a push; pole mass, half-length, damping the task",
  options: [],
  create: (): TaskFamily => new SysId('cartpole'),
};
