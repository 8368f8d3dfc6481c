// CartPole (gym's CartPole-v1 physics, Barto et al. 1983): a cart of mass 1 pushed by ±10 N
// (Discrete(2): 0 left, 1 right) balances a pole of mass m and half-length l; g = 9.8,
// τ = 0.02, explicit Euler as gym, plus a damping b on the cart's velocity (0 in gym):
//   θ̈ = (g sin θ - cos θ·temp) / (l (4/3 - m cos²θ / M)),  temp = (F - b ẋ + m l θ̇² sin θ) / M,
//   ẍ = temp - m l θ̈ cos θ / M,  M = 1 + m.
// Reward 1 per step; terminated when |x| > 2.4 or |θ| > 12°; truncated at 500 steps. Start:
// every state coordinate U[-0.05, 0.05]. Observation (x, ẋ, θ, θ̇). Task id: [pole mass,
// pole half-length, damping] in [0.05, 0.5] x [0.25, 1] x [0, 0.5].
import type { Rng } from '../../rng.ts';
import { Rng as Generator } from '../../rng.ts';
import { WithSpec, checkTaskId, discreteAction, type BoxSpace, type DiscreteSpace, type Env, type EnvFamily, type EnvSpec, type StepResult } from './env.ts';

const GRAVITY = 9.8;
const CART_MASS = 1;
const FORCE = 10;
const TAU = 0.02;
const THETA_LIMIT = (12 * 2 * Math.PI) / 360;
const X_LIMIT = 2.4;
const OBS: BoxSpace = { kind: 'box', low: [-4.8, -Infinity, -0.42, -Infinity], high: [4.8, Infinity, 0.42, Infinity] };
const ACT: DiscreteSpace = { kind: 'discrete', n: 2 };
const ID_LOW = [0.05, 0.25, 0];
const ID_HIGH = [0.5, 1, 0.5];
const SPEC: EnvSpec = { name: 'cartpole', observationSpace: OBS, actionSpace: ACT, idNames: ['pole mass', 'pole half-length', 'damping'], idLow: ID_LOW, idHigh: ID_HIGH, horizon: 500 };

class CartPoleEnv extends WithSpec implements Env {
  private m = 0.1;
  private l = 0.5;
  private b = 0;
  readonly state = new Float64Array(4);
  private t = 0;
  private rng = new Generator(0);

  constructor() {
    super(SPEC);
  }

  setTask(id: readonly number[]): void {
    [this.m, this.l, this.b] = checkTaskId(this, id);
  }

  reset(seed?: number): Float64Array {
    if (seed !== undefined) this.rng = new Generator(seed);
    for (let i = 0; i < 4; i++) this.state[i] = this.rng.uniform(-0.05, 0.05);
    this.t = 0;
    return this.state.slice();
  }

  step(action: ArrayLike<number> | number): StepResult {
    const force = discreteAction(this, action) === 1 ? FORCE : -FORCE;
    const [x, xdot, th, thdot] = this.state;
    const { m, l, b } = this;
    const total = CART_MASS + m;
    const cos = Math.cos(th);
    const sin = Math.sin(th);
    const temp = (force - b * xdot + m * l * thdot * thdot * sin) / total;
    const thacc = (GRAVITY * sin - cos * temp) / (l * (4 / 3 - (m * cos * cos) / total));
    const xacc = temp - (m * l * thacc * cos) / total;
    this.state[0] = x + TAU * xdot;
    this.state[1] = xdot + TAU * xacc;
    this.state[2] = th + TAU * thdot;
    this.state[3] = thdot + TAU * thacc;
    this.t++;
    const terminated = Math.abs(this.state[0]) > X_LIMIT || Math.abs(this.state[2]) > THETA_LIMIT;
    return { obs: this.state.slice(), reward: 1, terminated, truncated: !terminated && this.t >= this.horizon };
  }
}

/** @example new CartPole().make().reset(0).length // 4 */
export class CartPole extends WithSpec implements EnvFamily {
  static readonly typeName: string = 'CartPole';

  constructor() {
    super(SPEC);
  }

  make(): CartPoleEnv {
    return new CartPoleEnv();
  }

  sampleTasks(rng: Rng, n: number): number[][] {
    return Array.from({ length: n }, () => ID_LOW.map((lo, j) => rng.uniform(lo, ID_HIGH[j])));
  }
}
