// CheetahLite: the half-cheetah of the MAML-RL papers on CheetahBody's physics-lite simulation.
// An action is six motor commands in [-1, 1] (gears 120, 90, 60, 120, 60, 30 N·m); one step is
// five integrator steps of 0.01 s (gym's frame skip, so 0.05 s); episodes are truncated at 200
// steps and never terminate. Observation (gym's 17): the torso's height change, pitch and the
// six joint angles, then all nine velocities. v is the torso's forward speed over the step,
// (x after - x before) / 0.05. Start: every coordinate U[-0.1, 0.1] off the rest pose, every
// velocity N(0, 0.1²), from the environment's generator. The task families:
//   velocity (cheetah-vel):  id [target velocity], U[0, 2]; reward -|v - target| - 0.05‖a‖².
//   direction (cheetah-dir): id [direction], ±1 with equal odds (the box [-1, 1]);
//                            reward direction·v - 0.05‖a‖².
//   body (cheetah-body):     id [mass scale, damping scale], each log-uniform in [0.5, 2] (RoML's
//                            HalfCheetah-Body); reward v - 0.1‖a‖² (gym's HalfCheetah).
//   noisy velocity (cheetah-noisevel): RMAML's NoiseVEL: 20% of training targets U[3, 4], the
//                            rest U[0, 2] (the box [0, 4]); the velocity reward. Its held-out
//                            tasks are the clean ones: `evalTasks` draws U[0, 2].
import { ArgumentError, DivergedError, describe, expectOptions } from '../../errors.ts';
import type { Rng } from '../../rng.ts';
import { Rng as Generator } from '../../rng.ts';
import { CheetahBody, type CheetahPhysics } from './cheetah-body.ts';
import { WithSpec, boxAction, checkTaskId, type BoxSpace, type Env, type EnvFamily, type EnvSpec, type StepResult } from './env.ts';

const FRAME_SKIP = 5;
const DT = 0.01;
const STEP_SECONDS = FRAME_SKIP * DT;
const INF = Infinity;
const OBS: BoxSpace = { kind: 'box', low: [-INF, -INF, -INF, -INF, -INF, -INF, -INF, -INF, -INF, -INF, -INF, -INF, -INF, -INF, -INF, -INF, -INF], high: [INF, INF, INF, INF, INF, INF, INF, INF, INF, INF, INF, INF, INF, INF, INF, INF, INF] };
const ACT: BoxSpace = { kind: 'box', low: [-1, -1, -1, -1, -1, -1], high: [1, 1, 1, 1, 1, 1] };

export type CheetahTask = 'velocity' | 'direction' | 'body' | 'noisy-velocity';
const TASKS: Record<CheetahTask, { name: string; idNames: string[]; idLow: number[]; idHigh: number[] }> = {
  velocity: { name: 'cheetah-vel', idNames: ['target velocity'], idLow: [0], idHigh: [2] },
  direction: { name: 'cheetah-dir', idNames: ['direction'], idLow: [-1], idHigh: [1] },
  body: { name: 'cheetah-body', idNames: ['mass scale', 'damping scale'], idLow: [0.5, 0.5], idHigh: [2, 2] },
  'noisy-velocity': { name: 'cheetah-noisevel', idNames: ['target velocity'], idLow: [0], idHigh: [4] },
};

export interface CheetahLiteOptions {
  /** The task family (default 'velocity'). */
  task?: CheetahTask;
  /** The simulation's switches and scales, for tests and studies (gravity, contacts, ...). */
  physics?: CheetahPhysics;
}

class CheetahEnv extends WithSpec implements Env {
  readonly body: CheetahBody;
  private id: number[];
  private t = 0;
  private rng = new Generator(0);
  private readonly act = new Float64Array(6);

  constructor(spec: EnvSpec, private readonly task: CheetahTask, physics: CheetahPhysics) {
    super(spec);
    this.body = new CheetahBody(physics);
    this.id = task === 'body' ? [1, 1] : [1];
  }

  setTask(id: readonly number[]): void {
    const v = checkTaskId(this, id);
    v.forEach((x, j) => {
      if (x < this.idLow[j] || x > this.idHigh[j]) throw new ArgumentError(`${this.name}.setTask: ${this.idNames[j]} must be in [${this.idLow[j]}, ${this.idHigh[j]}], got ${x}`);
    });
    this.id = [...v];
    if (this.task === 'body') this.body.setScales(v[0], v[1]);
  }

  /** The observation: q without x, then q̇. */
  private obs(): Float64Array {
    const o = new Float64Array(17);
    o.set(this.body.q.subarray(1));
    o.set(this.body.qd, 8);
    return o;
  }

  reset(seed?: number): Float64Array {
    if (seed !== undefined) this.rng = new Generator(seed);
    const { q, qd } = this.body;
    for (let i = 0; i < 9; i++) q[i] = this.rng.uniform(-0.1, 0.1);
    for (let i = 0; i < 9; i++) qd[i] = this.rng.normal(0, 0.1);
    this.t = 0;
    return this.obs();
  }

  step(action: ArrayLike<number> | number): StepResult {
    const a = boxAction(this, action, this.act);
    const x0 = this.body.q[0];
    for (let k = 0; k < FRAME_SKIP; k++) this.body.step(a, DT);
    const v = (this.body.q[0] - x0) / STEP_SECONDS;
    if (!Number.isFinite(v) || !this.body.q.every(Number.isFinite)) {
      throw new DivergedError(`${this.name}.step: the simulation diverged at step ${this.t} (state ${describe(Array.from(this.body.q))})`, this.t, v);
    }
    const a2 = a[0] * a[0] + a[1] * a[1] + a[2] * a[2] + a[3] * a[3] + a[4] * a[4] + a[5] * a[5];
    let reward: number;
    if (this.task === 'direction') reward = this.id[0] * v - 0.05 * a2;
    else if (this.task === 'body') reward = v - 0.1 * a2;
    else reward = -Math.abs(v - this.id[0]) - 0.05 * a2;
    this.t++;
    return { obs: this.obs(), reward, terminated: false, truncated: this.t >= this.horizon, info: { velocity: v, x: this.body.q[0] } };
  }
}

/**
 * The half-cheetah task families of the MAML-RL and robust meta-RL papers, in plain TypeScript.
 * @example new CheetahLite({ task: 'direction' }).make().reset(0).length // 17
 */
export class CheetahLite extends WithSpec implements EnvFamily {
  static readonly typeName: string = 'CheetahLite';
  readonly task: CheetahTask;
  private readonly physics: CheetahPhysics;

  constructor(options: CheetahLiteOptions = {}) {
    options = expectOptions('CheetahLite', options);
    const task = options.task ?? 'velocity';
    if (!Object.hasOwn(TASKS, task)) throw new ArgumentError(`CheetahLite: task must be one of ${Object.keys(TASKS).join(', ')}, got ${describe(task)}`);
    const t = TASKS[task];
    super({ name: t.name, observationSpace: OBS, actionSpace: ACT, idNames: t.idNames, idLow: t.idLow, idHigh: t.idHigh, horizon: 200 });
    this.task = task;
    this.physics = expectOptions('CheetahLite', options.physics ?? {}, 'physics');
  }

  make(): Env {
    return new CheetahEnv(this, this.task, this.physics);
  }

  sampleTasks(rng: Rng, n: number): number[][] {
    return Array.from({ length: n }, () => {
      switch (this.task) {
        case 'direction': return [rng.uniform(0, 1) < 0.5 ? -1 : 1];
        case 'body': return [Math.exp(rng.uniform(Math.log(0.5), Math.log(2))), Math.exp(rng.uniform(Math.log(0.5), Math.log(2)))];
        case 'noisy-velocity': return [rng.uniform(0, 1) < 0.2 ? rng.uniform(3, 4) : rng.uniform(0, 2)];
        default: return [rng.uniform(0, 2)];
      }
    });
  }

  /** Held-out tasks: the family's own draw, except NoiseVEL's, whose held-out targets are clean (U[0, 2]). */
  evalTasks(rng: Rng, n: number): number[][] {
    return this.task === 'noisy-velocity' ? Array.from({ length: n }, () => [rng.uniform(0, 2)]) : this.sampleTasks(rng, n);
  }
}
