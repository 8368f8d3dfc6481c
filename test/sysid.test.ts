// Pendulum and CartPole as system-identification tasks: every (input, target) pair is one step
// of the environment from the state the input encodes, the task's physics decides the target,
// and the registry serves both families to metagrad train.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ArgumentError, CartPole, Pendulum, Rng, SysId, environment } from '../src/index.ts';
import { assertClose, assertThrowsTyped } from './helpers.ts';

test('pendulum-sysid: each target is the pendulum stepped from the state in its input, with its torque', () => {
  const family = new SysId('pendulum');
  const [task] = family.sample(new Rng(0), 1);
  const { x, y } = task.sample(new Rng(1), 20);
  const env = new Pendulum().make() as ReturnType<Pendulum['make']> & { setState(th: number, w: number): Float64Array };
  env.setTask([...task.id]);
  for (let i = 0; i < 20; i++) {
    const [c, s, w, u] = x.data.subarray(4 * i, 4 * i + 4);
    env.reset(0);
    env.setState(Math.atan2(s, c), w);
    assertClose(env.step([u]).obs, y.data.subarray(3 * i, 3 * i + 3), 1e-5);
  }
  // another mass, length and damping: the same inputs step elsewhere
  const other = family.task([1.5, 0.5, 0.2]).sample(new Rng(1), 20);
  assert.ok(Math.max(...Array.from(other.y.data, (v, i) => Math.abs(v - y.data[i]))) > 1e-3);
});

test('cartpole-sysid: each target is CartPole stepped from the state in its input, with its push', () => {
  const family = new SysId('cartpole');
  const task = family.task([0.3, 0.7, 0.1]);
  const { x, y } = task.sample(new Rng(2), 20);
  const env = new CartPole().make() as ReturnType<CartPole['make']> & { state: Float64Array };
  env.setTask([0.3, 0.7, 0.1]);
  for (let i = 0; i < 20; i++) {
    const [p, v, c, s, w, u] = x.data.subarray(6 * i, 6 * i + 6);
    assert.ok(u === 1 || u === -1);
    env.reset(0);
    env.state.set([p, v, Math.atan2(s, c), w]);
    assertClose(env.step(u === 1 ? 1 : 0).obs, y.data.subarray(4 * i, 4 * i + 4), 1e-5);
  }
  assert.equal([family.inputSize, family.outputSize, family.idNames], [6, 4, ['pole mass', 'pole half-length', 'damping']]);
});

test('the registry serves both to metagrad train; a bad system is refused by name', () => {
  assert.is(environment('pendulum-sysid').create({}).name, 'pendulum-sysid');
  assert.is(environment('cartpole-sysid').create({}).outputSize, 4);
  assertThrowsTyped(() => new SysId('acrobot' as never), ArgumentError, 'SysId', 'pendulum or cartpole');
});

test.run();
