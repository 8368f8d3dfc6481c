// CheetahLite: free fall and rewards by hand, the mass matrix's closed forms, momentum and energy
// kept by the integrator (errors halving with the step), forward speed only through the ground,
// determinism and the vectorised form, random play strongly negative on velocity tasks, and bad
// actions, ids and options refused by name.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ArgumentError, CheetahLite, Rng, VectorEnv } from '../src/index.ts';
import { CheetahBody, type CheetahPhysics } from '../src/envs/rl/cheetah-body.ts';
import { assertClose, assertThrowsTyped } from './helpers.ts';

const G = 9.81;

test('CheetahBody: kinetic energy of a pure translation is ½·14·v², of a pure pitch ½·I·ω² about the torso', () => {
  const b = new CheetahBody();
  b.qd.set([1.5, 0, 0, 0, 0, 0, 0, 0, 0]);
  assertClose([b.kineticEnergy()], [0.5 * 14 * 1.5 * 1.5], 1e-12);
  b.qd.set([0, -2, 0, 0, 0, 0, 0, 0, 0]);
  assertClose([b.kineticEnergy()], [0.5 * 14 * 4], 1e-12);
  // twice the mass, twice the energy (RoML's body tasks scale every mass and inertia)
  b.qd.set([0.3, 0.1, 0.7, 1, -1, 0.5, 0.2, -0.4, 2]);
  const e1 = b.kineticEnergy() - armatureEnergy(b);
  b.setScales(2, 1);
  assertClose([b.kineticEnergy() - armatureEnergy(b)], [2 * e1], 1e-12);
});

const armatureEnergy = (b: CheetahBody) => 0.5 * 0.1 * Array.from(b.qd.subarray(3)).reduce((s, v) => s + v * v, 0);

test('CheetahBody: free fall by hand: one env step of five 0.01 s steps drops the rigid body by g·dt²·15, nothing turns', () => {
  const b = new CheetahBody({ contacts: false });
  for (let k = 1; k <= 5; k++) {
    b.step(new Float64Array(6), 0.01);
    // semi-implicit Euler: v_k = -g·dt·k, z_k = -g·dt²·k(k+1)/2
    assertClose([b.qd[1], b.q[1]], [-G * 0.01 * k, (-G * 1e-4 * k * (k + 1)) / 2], 1e-12);
    assertClose([...b.q.subarray(2), ...b.qd.subarray(2), b.q[0]], new Array(15).fill(0), 1e-12);
  }
});

/** Runs 1 s of free motion (no ground, no limits, no dampers) from a spinning, flailing start. */
function flail(dt: number, physics: CheetahPhysics, ctrl = Float64Array.of(0.5, -0.3, 0.2, -0.6, 0.4, 0.1)) {
  const b = new CheetahBody({ contacts: false, limits: false, dampingScale: 0, ...physics });
  b.qd.set([0.3, -0.2, 1.0, 2, -1, 1.5, -2, 1, 0.5]);
  const m0 = b.momentum();
  const e0 = b.kineticEnergy() + b.potentialEnergy();
  let energyError = 0;
  for (let t = 0; t < Math.round(1 / dt); t++) {
    b.step(ctrl, dt);
    energyError = Math.max(energyError, Math.abs(b.kineticEnergy() + b.potentialEnergy() - e0));
  }
  const m1 = b.momentum();
  return { m0, m1, energyError, b };
}

test('CheetahBody: in the air motors cannot move the centre of mass: momentum kept exactly, the centre on its ballistic path', () => {
  for (const gravity of [0, G]) {
    for (const dt of [0.01, 0.0025]) {
      const { m0, m1 } = flail(dt, { gravity });
      const n = Math.round(1 / dt);
      assertClose([m1.px, m1.pz], [m0.px, m0.pz - 14 * gravity], 1e-11);
      // semi-implicit Euler on the centre: v_k = v_0 - g·dt·k, z_n = z_0 + dt·Σ v_k
      const vz0 = m0.pz / 14;
      assertClose([m1.comX, m1.comZ], [m0.comX + (m0.px / 14), m0.comZ + dt * (n * vz0 - (gravity * dt * n * (n + 1)) / 2)], 1e-11);
    }
  }
  // the spin about the centre of mass is kept to first order: the error halves with the step
  const drift = [0.01, 0.005, 0.0025].map((dt) => {
    const { m0, m1 } = flail(dt, { gravity: 0 });
    return Math.abs(m1.angular - m0.angular);
  });
  assert.ok(drift[0] < 0.05, `spin drift ${drift[0]} of 3.3 at dt 0.01`);
  assertClose([drift[1] / drift[0], drift[2] / drift[1]], [0.5, 0.5], 0.05);
});

test('CheetahBody: energy without dampers is kept to first order, and dampers only take it away', () => {
  const errs = [0.01, 0.005, 0.0025].map((dt) => flail(dt, { gravity: 0 }, new Float64Array(6)).energyError);
  assert.ok(errs[0] < 0.6, `energy error ${errs[0]} J of about 11 J kinetic`);
  assertClose([errs[1] / errs[0], errs[2] / errs[1]], [0.5, 0.5], 0.06);
  const b = new CheetahBody({ contacts: false, limits: false, gravity: 0 });
  b.qd.set([0.3, -0.2, 1.0, 2, -1, 1.5, -2, 1, 0.5]);
  let last = b.kineticEnergy() + b.potentialEnergy();
  for (let t = 0; t < 100; t++) {
    b.step(new Float64Array(6), 0.01);
    const e = b.kineticEnergy() + b.potentialEnergy();
    assert.ok(e <= last + 1e-9, `energy rose from ${last} to ${e} at step ${t}`);
    last = e;
  }
});

test('CheetahBody: resting on the ground it settles with the feet a few millimetres in, and gait is what moves it', () => {
  const b = new CheetahBody();
  for (let t = 0; t < 200; t++) b.step(new Float64Array(6), 0.01);
  const low = b.lowestPoint();
  assert.ok(low < 0 && low > -0.01, `lowest point ${low}`);
  assert.ok(Math.abs(b.q[0]) < 0.05 && Math.abs(b.qd[0]) < 0.05, `at rest: x ${b.q[0]}, ẋ ${b.qd[0]}`);
  // an open-loop trot at 4 Hz runs forward (> 1.5 m/s over 5 s); the same in the air goes nowhere
  const trot = (physics: CheetahPhysics) => {
    const c = new CheetahBody(physics);
    const ctrl = new Float64Array(6);
    for (let t = 0; t < 500; t++) {
      for (let j = 0; j < 6; j++) ctrl[j] = Math.sin(2 * Math.PI * 4 * t * 0.01 + j * 0.5);
      c.step(ctrl, 0.01);
    }
    return c;
  };
  assert.ok(trot({}).q[0] > 7.5, `trotting ran ${trot({}).q[0]} m in 5 s`);
  const air = trot({ contacts: false, gravity: 0 }).momentum();
  assert.ok(Math.abs(air.comX) < 0.1, `in the air the centre of mass moved ${air.comX}`);
});

test('CheetahLite: rewards by hand for each family; actions clipped; 17 observations; 200 steps', () => {
  const still = { physics: { gravity: 0, contacts: false } };
  const vel = new CheetahLite({ task: 'velocity', ...still }).make();
  vel.setTask([1.2]);
  const o = vel.reset(3);
  assert.is(o.length, 17);
  const r = vel.step([2, 0, 0, 0, 0, -0.5]); // clipped to (1, ..., -0.5)
  const v = r.info!.velocity;
  assertClose([r.reward], [-Math.abs(v - 1.2) - 0.05 * (1 + 0.25)], 1e-12);
  const dir = new CheetahLite({ task: 'direction', ...still }).make();
  dir.setTask([-1]);
  dir.reset(3);
  const d = dir.step([0, 0.5, 0, 0, 0, 0]);
  assertClose([d.reward], [-d.info!.velocity - 0.05 * 0.25], 1e-12);
  const body = new CheetahLite({ task: 'body', ...still }).make();
  body.setTask([2, 0.5]);
  body.reset(3);
  const bb = body.step([0, 0, 0, 0, 0, 1]);
  assertClose([bb.reward], [bb.info!.velocity - 0.1], 1e-12);
  // a uniform glide in empty space: v is exactly the torso's speed
  const glide = new CheetahLite({ task: 'velocity', physics: { gravity: 0, contacts: false, limits: false } }).make() as unknown as { body: CheetahBody } & ReturnType<CheetahLite['make']>;
  glide.reset(0);
  glide.body.q.fill(0);
  glide.body.qd.fill(0);
  glide.body.qd[0] = 0.8;
  const g = glide.step(new Array(6).fill(0));
  assertClose([g.info!.velocity, g.reward], [0.8, -0.2], 1e-12);
  let last = g;
  for (let t = 1; t < 200; t++) {
    assert.is(last.truncated, false);
    last = glide.step(new Array(6).fill(0));
  }
  assert.ok(last.truncated && !last.terminated);
});

test('CheetahLite: the task families draw their documented distributions; NoiseVEL holds out clean targets', () => {
  const rng = new Rng(0);
  const dirs = new CheetahLite({ task: 'direction' }).sampleTasks(rng, 400).map((t) => t[0]);
  assert.ok(dirs.every((d) => d === 1 || d === -1));
  assert.ok(Math.abs(dirs.filter((d) => d === 1).length - 200) < 40);
  const noisy = new CheetahLite({ task: 'noisy-velocity' });
  const train = noisy.sampleTasks(rng, 1000).map((t) => t[0]);
  const far = train.filter((v) => v >= 3).length;
  assert.ok(far > 160 && far < 240 && train.every((v) => (v >= 0 && v <= 2) || (v >= 3 && v <= 4)), `${far} of 1000 in [3, 4]`);
  assert.ok(noisy.evalTasks(rng, 200).every(([v]) => v >= 0 && v <= 2));
  const bodies = new CheetahLite({ task: 'body' }).sampleTasks(rng, 1000);
  const logs = bodies.map(([m]) => Math.log2(m));
  assert.ok(logs.every((l) => l >= -1 && l <= 1) && Math.abs(logs.reduce((s, l) => s + l, 0) / 1000) < 0.06, 'mass scales log-uniform in [0.5, 2]');
});

test('CheetahLite: deterministic under a seed; N copies stepped together equal each stepped alone', () => {
  const family = new CheetahLite({ task: 'velocity' });
  const tasks = family.sampleTasks(new Rng(4), 3);
  const vec = new VectorEnv(family, 3);
  vec.setTasks(tasks);
  const rng = new Rng(9);
  const actions = Array.from({ length: 30 }, () => Float64Array.from({ length: 18 }, () => rng.uniform(-1, 1)));
  const obs0 = vec.reset(100);
  const together = actions.map((a) => vec.step(a));
  tasks.forEach((task, i) => {
    const e = family.make();
    e.setTask(task);
    assert.equal(Array.from(e.reset(100 + i)), Array.from(obs0.subarray(i * 17, (i + 1) * 17)));
    actions.forEach((a, t) => {
      const r = e.step(a.subarray(i * 6, (i + 1) * 6));
      assert.equal(Array.from(r.obs), Array.from(together[t].obs.subarray(i * 17, (i + 1) * 17)));
      assert.is(r.reward, together[t].reward[i]);
    });
  });
});

test('CheetahLite: a random policy scores strongly negative on velocity tasks (about -1 a step)', () => {
  const family = new CheetahLite();
  const tasks = family.sampleTasks(new Rng(1), 4);
  const vec = new VectorEnv(family, 4);
  vec.setTasks(tasks);
  vec.reset(0);
  const rng = new Rng(2);
  const returns = new Float64Array(4);
  for (let t = 0; t < 200; t++) {
    const r = vec.step(Float64Array.from({ length: 24 }, () => rng.uniform(-1, 1)));
    r.reward.forEach((x, i) => (returns[i] += x));
  }
  const mean = returns.reduce((s, x) => s + x, 0) / 4;
  assert.ok(mean < -120, `random play returned ${mean} over 200 steps`);
});

test('CheetahLite: bad actions, task ids and options are refused by name', () => {
  const env = new CheetahLite().make();
  env.reset(0);
  assertThrowsTyped(() => env.step([0, 0, 0]), ArgumentError, 'cheetah-vel.step', 'action must be 6 numbers');
  assertThrowsTyped(() => env.step([0, 0, NaN, 0, 0, 0]), ArgumentError, 'cheetah-vel.step', 'action[2]');
  assertThrowsTyped(() => env.setTask([3]), ArgumentError, 'cheetah-vel.setTask', 'target velocity must be in [0, 2], got 3');
  assertThrowsTyped(() => env.setTask([0.5, 1]), ArgumentError, 'cheetah-vel.setTask', 'id must be 1 finite numbers');
  assertThrowsTyped(() => new CheetahLite({ task: 'gallop' as never }), ArgumentError, 'CheetahLite', 'task must be one of velocity, direction, body, noisy-velocity, got the string "gallop"');
  const body = new CheetahLite({ task: 'body' }).make();
  assertThrowsTyped(() => body.setTask([0.1, 1]), ArgumentError, 'cheetah-body.setTask', 'mass scale must be in [0.5, 2], got 0.1');
});

test.run();
