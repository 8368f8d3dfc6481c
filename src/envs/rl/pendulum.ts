// Pendulum (gym's Pendulum-v1 dynamics, AR-MAML's task family): a pole of mass m and length l
// swung by a torque u in [-2, 2]; g = 10, dt = 0.05, speeds clipped to ±8, semi-implicit Euler:
//   θ̇ ← clip(θ̇ + (3g/(2l)·sin θ + 3/(m l²)·(u - b θ̇))·dt, ±8),  θ ← θ + θ̇·dt,
// with b a damping coefficient (0 in gym). Reward -(θ² + 0.1 θ̇² + 0.001 u²) at the state before
// the step (θ wrapped to [-π, π)), never terminated, truncated at 200 steps. Start: θ U[-π, π],
// θ̇ U[-1, 1]. Observation (cos θ, sin θ, θ̇). Task id: [mass, length, damping] in
// [0.4, 1.6] x [0.4, 1.6] x [0, 0.2].
import type { Rng } from '../../rng.ts';
import { Rng as Generator } from '../../rng.ts';
import { WithSpec, boxAction, checkTaskId, type BoxSpace, type Env, type EnvFamily, type EnvSpec, type StepResult } from './env.ts';

const G = 10;
const DT = 0.05;
const MAX_SPEED = 8;
const MAX_TORQUE = 2;
const OBS: BoxSpace = { kind: 'box', low: [-1, -1, -MAX_SPEED], high: [1, 1, MAX_SPEED] };
const ACT: BoxSpace = { kind: 'box', low: [-MAX_TORQUE], high: [MAX_TORQUE] };
const ID_LOW = [0.4, 0.4, 0];
const ID_HIGH = [1.6, 1.6, 0.2];
const SPEC: EnvSpec = { name: 'pendulum', observationSpace: OBS, actionSpace: ACT, idNames: ['mass', 'length', 'damping'], idLow: ID_LOW, idHigh: ID_HIGH, horizon: 200 };

/** θ wrapped into [-π, π). */
export const wrapAngle = (th: number): number => ((((th + Math.PI) % (2 * Math.PI)) + 2 * Math.PI) % (2 * Math.PI)) - Math.PI;

class PendulumEnv extends WithSpec implements Env {
  private m = 1;
  private l = 1;
  private b = 0;
  th = 0;
  thdot = 0;
  private t = 0;
  private rng = new Generator(0);
  private readonly act = new Float64Array(1);

  constructor() {
    super(SPEC);
  }

  setTask(id: readonly number[]): void {
    [this.m, this.l, this.b] = checkTaskId(this, id);
  }

  private obs(): Float64Array {
    return Float64Array.of(Math.cos(this.th), Math.sin(this.th), this.thdot);
  }

  reset(seed?: number): Float64Array {
    if (seed !== undefined) this.rng = new Generator(seed);
    this.th = this.rng.uniform(-Math.PI, Math.PI);
    this.thdot = this.rng.uniform(-1, 1);
    this.t = 0;
    return this.obs();
  }

  /** Sets the state directly (for tests and pictures). */
  setState(th: number, thdot: number): Float64Array {
    this.th = th;
    this.thdot = thdot;
    return this.obs();
  }

  step(action: ArrayLike<number> | number): StepResult {
    const u = boxAction(this, action, this.act)[0];
    const { m, l, b } = this;
    const a = wrapAngle(this.th);
    const reward = -(a * a + 0.1 * this.thdot * this.thdot + 0.001 * u * u);
    const acc = (3 * G) / (2 * l) * Math.sin(this.th) + (3 / (m * l * l)) * (u - b * this.thdot);
    this.thdot = Math.min(MAX_SPEED, Math.max(-MAX_SPEED, this.thdot + acc * DT));
    this.th += this.thdot * DT;
    this.t++;
    return { obs: this.obs(), reward, terminated: false, truncated: this.t >= this.horizon };
  }
}

/** @example new Pendulum().make().reset(0).length // 3 */
export class Pendulum extends WithSpec implements EnvFamily {
  static readonly typeName: string = 'Pendulum';

  constructor() {
    super(SPEC);
  }

  make(): PendulumEnv {
    return new PendulumEnv();
  }

  sampleTasks(rng: Rng, n: number): number[][] {
    return Array.from({ length: n }, () => ID_LOW.map((lo, j) => rng.uniform(lo, ID_HIGH[j])));
  }
}
