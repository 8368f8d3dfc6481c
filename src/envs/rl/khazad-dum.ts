// KhazadDum (RoML, Greenberg et al. 2023): cross an abyss to a goal, by a near narrow bridge
// whose crossing is noisy or by a far wide bridge that is safe. The map (x 0..10, y 0..8):
// walls on the border; the abyss fills rows y = 3, 4, 5 except the narrow bridge at x = 2 and
// the wide bridge at x = 7..9. The agent starts uniformly in [0.5, 2.5]², the goal is the cell
// (2, 7). Actions: four unit moves (0 left, 1 right, 2 down, 3 up); a move into a wall stays
// put. On the narrow bridge each move gets Gaussian noise of standard deviation σ·speed² (speed
// 1) on both coordinates. Reward per step, divided by 32: max(-‖s - g‖₁/5, -1), minus 3σ on a
// noisy step; +5 on reaching the goal (the episode terminates); -1 on falling and on every step
// after (the agent stays in the abyss). 32 steps. Observation: (x/10, y/8). Task id: σ, drawn
// from an exponential of mean 0.1 (a one-sided id: idHigh Infinity, idMean 0.1).
import { ArgumentError } from '../../errors.ts';
import type { Rng } from '../../rng.ts';
import { Rng as Generator } from '../../rng.ts';
import { WithSpec, checkTaskId, discreteAction, type BoxSpace, type DiscreteSpace, type Env, type EnvFamily, type EnvSpec, type StepResult } from './env.ts';

const W = 11;
const H = 9;
const GOAL = [2, 7];
const SCALE = 32;
const OBS: BoxSpace = { kind: 'box', low: [0, 0], high: [1, 1] };
const ACT: DiscreteSpace = { kind: 'discrete', n: 4 };
const MOVES = [[-1, 0], [1, 0], [0, -1], [0, 1]];
const SPEC: EnvSpec = { name: 'khazaddum', observationSpace: OBS, actionSpace: ACT, idNames: ['noise'], idLow: [0], idHigh: [Infinity], horizon: 32 };

/** What a cell is: 1 wall, -1 abyss, 0 floor. */
export function khazadDumCell(x: number, y: number): number {
  if (x <= 0 || x >= W - 1 || y <= 0 || y >= H - 1) return 1;
  if (y >= 3 && y <= 5 && x !== 2 && !(x >= 7 && x <= 9)) return -1;
  return 0;
}

const onNarrowBridge = (cx: number, cy: number) => cx === 2 && cy >= 3 && cy <= 5;

class KhazadDumEnv extends WithSpec implements Env {
  private sigma = 0.1;
  x = 1;
  y = 1;
  private fallen = false;
  private t = 0;
  private rng = new Generator(0);

  constructor() {
    super(SPEC);
  }

  setTask(id: readonly number[]): void {
    const [sigma] = checkTaskId(this, id);
    if (sigma < 0) throw new ArgumentError(`khazaddum.setTask: the noise σ must be >= 0, got ${sigma}`);
    this.sigma = sigma;
  }

  private obs(): Float64Array {
    return Float64Array.of(this.x / (W - 1), this.y / (H - 1));
  }

  reset(seed?: number): Float64Array {
    if (seed !== undefined) this.rng = new Generator(seed);
    this.x = this.rng.uniform(0.5, 2.5);
    this.y = this.rng.uniform(0.5, 2.5);
    this.fallen = false;
    this.t = 0;
    return this.obs();
  }

  /** Puts the agent at (x, y) (for tests and pictures). */
  setPosition(x: number, y: number): Float64Array {
    this.x = x;
    this.y = y;
    return this.obs();
  }

  step(action: ArrayLike<number> | number): StepResult {
    const [dx, dy] = MOVES[discreteAction(this, action)];
    this.t++;
    const truncated = this.t >= this.horizon;
    if (this.fallen) return { obs: this.obs(), reward: -1 / SCALE, terminated: false, truncated };
    let nx = this.x + dx;
    let ny = this.y + dy;
    const noisy = onNarrowBridge(Math.round(this.x), Math.round(this.y));
    if (noisy) {
      nx += this.rng.normal(0, this.sigma);
      ny += this.rng.normal(0, this.sigma);
    }
    nx = Math.min(W - 1, Math.max(0, nx));
    ny = Math.min(H - 1, Math.max(0, ny));
    const cell = khazadDumCell(Math.round(nx), Math.round(ny));
    if (cell !== 1) {
      this.x = nx;
      this.y = ny;
    }
    if (cell === -1) {
      this.fallen = true;
      return { obs: this.obs(), reward: -1 / SCALE, terminated: false, truncated, info: { fell: 1 } };
    }
    const atGoal = Math.round(this.x) === GOAL[0] && Math.round(this.y) === GOAL[1];
    let reward = Math.max(-(Math.abs(this.x - GOAL[0]) + Math.abs(this.y - GOAL[1])) / 5, -1) - (noisy ? 3 * this.sigma : 0);
    if (atGoal) reward += 5;
    return { obs: this.obs(), reward: reward / SCALE, terminated: atGoal, truncated: !atGoal && truncated };
  }
}

/** @example new KhazadDum().make().reset(0).length // 2 */
export class KhazadDum extends WithSpec implements EnvFamily {
  static readonly typeName: string = 'KhazadDum';
  /** The mean of the one-sided id's exponential (for the CEM sampler). */
  readonly idMean = [0.1];

  constructor() {
    super(SPEC);
  }

  make(): KhazadDumEnv {
    return new KhazadDumEnv();
  }

  sampleTasks(rng: Rng, n: number): number[][] {
    return Array.from({ length: n }, () => [-0.1 * Math.log(1 - rng.uniform())]);
  }
}
