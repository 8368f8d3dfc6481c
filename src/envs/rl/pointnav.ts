// PointNav2D, MAML's point robot (Finn et al. 2017; pytorch-maml-rl's Navigation2D): the agent
// starts at (0, 0); an action is a velocity, clipped to [-0.1, 0.1]², added to the position;
// the reward is minus the distance to the goal after the move (-‖s - g‖, not squared, as the
// code has it); the episode terminates within 0.01 of the goal on both axes and is truncated at
// 100 steps. Observation: the position. Task id: the goal, drawn U[-0.5, 0.5]².
// Reach2D (RMAML's study) is the same robot with goals from a mixture of three normals: a main
// mode and two noise modes, weights and spreads configurable, the id box [-1, 1]².
import { ArgumentError, expectNumber, expectOptions } from '../../errors.ts';
import type { Rng } from '../../rng.ts';
import { WithSpec, boxAction, checkTaskId, type BoxSpace, type Env, type EnvFamily, type EnvSpec, type StepResult } from './env.ts';

const OBS: BoxSpace = { kind: 'box', low: [-Infinity, -Infinity], high: [Infinity, Infinity] };
const ACT: BoxSpace = { kind: 'box', low: [-0.1, -0.1], high: [0.1, 0.1] };

const robotSpec = (name: string, low: number, high: number): EnvSpec => ({
  name, observationSpace: OBS, actionSpace: ACT, idNames: ['goal x', 'goal y'], idLow: [low, low], idHigh: [high, high], horizon: 100,
});
const POINTNAV = robotSpec('pointnav', -0.5, 0.5);
const REACH2D = robotSpec('reach2d', -1, 1);

class PointRobot extends WithSpec implements Env {
  private goal = [0, 0];
  private x = 0;
  private y = 0;
  private t = 0;
  private readonly act = new Float64Array(2);

  constructor(spec: EnvSpec) {
    super(spec);
  }

  setTask(id: readonly number[]): void {
    this.goal = [...checkTaskId(this, id)];
  }

  reset(): Float64Array {
    this.x = 0;
    this.y = 0;
    this.t = 0;
    return Float64Array.of(0, 0);
  }

  step(action: ArrayLike<number> | number): StepResult {
    const a = boxAction(this, action, this.act);
    this.x += a[0];
    this.y += a[1];
    this.t++;
    const dx = this.x - this.goal[0];
    const dy = this.y - this.goal[1];
    const terminated = Math.abs(dx) < 0.01 && Math.abs(dy) < 0.01;
    return { obs: Float64Array.of(this.x, this.y), reward: -Math.sqrt(dx * dx + dy * dy), terminated, truncated: !terminated && this.t >= this.horizon };
  }
}

/** @example new PointNav2D().make().reset() // Float64Array [0, 0] */
export class PointNav2D extends WithSpec implements EnvFamily {
  static readonly typeName: string = 'PointNav2D';

  constructor() {
    super(POINTNAV);
  }

  make(): Env {
    return new PointRobot(POINTNAV);
  }

  sampleTasks(rng: Rng, n: number): number[][] {
    return Array.from({ length: n }, () => [rng.uniform(-0.5, 0.5), rng.uniform(-0.5, 0.5)]);
  }
}

export interface Reach2DOptions {
  /** Centres of the three modes, the main one first (default (0.3, 0.3), (-0.4, 0.4), (0.4, -0.4)). */
  centres?: [number, number][];
  /** Standard deviation of each mode (default 0.05, 0.1, 0.1). */
  spreads?: number[];
  /** Mixture weights (default 0.8, 0.1, 0.1). */
  weights?: number[];
}

/** @example new Reach2D().sampleTasks(new Rng(0), 3).length // 3 */
export class Reach2D extends WithSpec implements EnvFamily {
  static readonly typeName: string = 'Reach2D';
  readonly centres: [number, number][];
  readonly spreads: number[];
  readonly weights: number[];

  constructor(options: Reach2DOptions = {}) {
    super(REACH2D);
    options = expectOptions('Reach2D', options);
    this.centres = options.centres ?? [[0.3, 0.3], [-0.4, 0.4], [0.4, -0.4]];
    this.spreads = options.spreads ?? [0.05, 0.1, 0.1];
    this.weights = options.weights ?? [0.8, 0.1, 0.1];
    if (!Array.isArray(this.centres) || this.centres.length !== 3 || this.centres.some((c) => !Array.isArray(c) || c.length !== 2 || c.some((v) => !Number.isFinite(v) || Math.abs(v) > 1))) {
      throw new ArgumentError(`Reach2D: centres must be three [x, y] points in [-1, 1]², got ${JSON.stringify(this.centres)}`);
    }
    this.spreads.forEach((s, i) => expectNumber('Reach2D', `spreads[${i}]`, s, { min: 0 }));
    this.weights.forEach((w, i) => expectNumber('Reach2D', `weights[${i}]`, w, { min: 0 }));
    if (this.spreads.length !== 3 || this.weights.length !== 3 || !(this.weights.reduce((a, b) => a + b, 0) > 0)) {
      throw new ArgumentError(`Reach2D: spreads and weights must be three numbers each, the weights not all 0; got ${JSON.stringify([this.spreads, this.weights])}`);
    }
  }

  make(): Env {
    return new PointRobot(REACH2D);
  }

  /** Which mode a goal belongs to: the nearest centre (0 is the main mode). */
  modeOf(id: readonly number[]): number {
    let best = 0;
    this.centres.forEach((c, k) => {
      if (Math.hypot(id[0] - c[0], id[1] - c[1]) < Math.hypot(id[0] - this.centres[best][0], id[1] - this.centres[best][1])) best = k;
    });
    return best;
  }

  sampleTasks(rng: Rng, n: number): number[][] {
    const total = this.weights.reduce((a, b) => a + b, 0);
    return Array.from({ length: n }, () => {
      let u = rng.uniform(0, total);
      let k = 0;
      while (k < 2 && u >= this.weights[k]) u -= this.weights[k++];
      const [cx, cy] = this.centres[k];
      const clip = (v: number) => Math.min(1, Math.max(-1, v));
      return [clip(rng.normal(cx, this.spreads[k])), clip(rng.normal(cy, this.spreads[k]))];
    });
  }
}
