// The reinforcement-learning environments a user chooses by name: `metagrad train --env NAME`
// with an RL algorithm, and RL run folders' config.json. An entry builds its family and may say
// which tasks are held out for evaluation (NoiseVEL holds out its clean targets). Adding one is
// an entry here, or registerRLEnvironment(entry) from outside the library.
import { Registry, type Entry } from '../../options.ts';
import type { Rng } from '../../rng.ts';
import { CartPole } from './cartpole.ts';
import { CheetahLite } from './cheetah.ts';
import type { EnvFamily } from './env.ts';
import { KhazadDum } from './khazad-dum.ts';
import { Pendulum } from './pendulum.ts';
import { PointNav2D, Reach2D } from './pointnav.ts';

export interface RLEnvironmentEntry extends Entry {
  create(): EnvFamily;
  /** Held-out tasks for evaluation (default: the family's own draw). */
  heldOut?(family: EnvFamily, rng: Rng, n: number): number[][];
}

const entry = (name: string, summary: string, create: () => EnvFamily, heldOut?: RLEnvironmentEntry['heldOut']): RLEnvironmentEntry => ({ name, summary, options: [], create, ...(heldOut ? { heldOut } : {}) });

const BUILT_IN = (): RLEnvironmentEntry[] => [
  entry('pointnav', "MAML's point robot: reach a goal U[-0.5, 0.5]², 100 steps", () => new PointNav2D()),
  entry('reach2d', "RMAML's goals from a main and two noise modes", () => new Reach2D()),
  entry('cheetah-vel', 'half-cheetah, run at a target velocity U[0, 2], 200 steps', () => new CheetahLite({ task: 'velocity' })),
  entry('cheetah-dir', 'half-cheetah, run forward or backward (±1), 200 steps', () => new CheetahLite({ task: 'direction' })),
  entry('cheetah-body', "half-cheetah, run forward with mass and damping scaled (RoML's Body)", () => new CheetahLite({ task: 'body' })),
  entry('cheetah-noisevel', "half-cheetah velocity with 20% of training targets U[3, 4] (RMAML's NoiseVEL)", () => new CheetahLite({ task: 'noisy-velocity' }),
    (family, rng, n) => (family as CheetahLite).evalTasks(rng, n)),
  entry('pendulum', 'swing up a pendulum of unknown mass, length and damping', () => new Pendulum()),
  entry('cartpole', 'balance a pole of unknown mass and length on a damped cart', () => new CartPole()),
  entry('khazaddum', "RoML's map: a noisy narrow bridge or a safe wide one over an abyss", () => new KhazadDum()),
];

let made: Registry<RLEnvironmentEntry> | null = null;
const registry = (): Registry<RLEnvironmentEntry> => (made ??= new Registry<RLEnvironmentEntry>('RL environment', 'rlEnvironment', 'registerRLEnvironment', BUILT_IN));

/**
 * Adds an RL environment under its name, for `metagrad train --env NAME --algo maml-trpo`.
 * @example registerRLEnvironment({ ...rlEnvironment('pointnav'), name: 'my-nav' });
 */
export function registerRLEnvironment(e: RLEnvironmentEntry): void {
  registry().register(e);
}

/**
 * The RL environment registered under this name.
 * @example rlEnvironment('cheetah-dir').create().name // 'cheetah-dir'
 */
export function rlEnvironment(name: string): RLEnvironmentEntry {
  return registry().get(name);
}

/**
 * The names of the registered RL environments.
 * @example rlEnvironmentNames()[0] // 'pointnav'
 */
export function rlEnvironmentNames(): string[] {
  return registry().names();
}
