// RMAML's 2-D reaching study (experiments/reach2d-ptb.ts): the goals, the idealised learner's
// update by hand, and the README's table, in which MEDIUM ends nearest the main mode.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { REACH2D_PTB, STRATEGIES, reachGoals, reachRun, reachTable } from '../experiments/reach2d-ptb.ts';
import { Reach2D } from '../src/index.ts';

test('the goals: exactly 200, 50 and 50 around the three modes', () => {
  const env = new Reach2D();
  const { goals, mode } = reachGoals(3, env);
  assert.equal([0, 1, 2].map((k) => mode.filter((m) => m === k).length), [200, 50, 50]);
  for (const k of [0, 1, 2]) {
    const mine = goals.filter((_, i) => mode[i] === k);
    const mean = [0, 1].map((d) => mine.reduce((s, g) => s + g[d], 0) / mine.length);
    // the sample mean within 4 standard errors of the mode's centre
    assert.ok(Math.hypot(mean[0] - env.centres[k][0], mean[1] - env.centres[k][1]) < (4 * env.spreads[k]) / Math.sqrt(mine.length), `mode ${k}`);
  }
});

test('the learner moves by lr times the mean pull of its batch', () => {
  const r = reachRun('uniform', 0);
  assert.is(r.path.length, REACH2D_PTB.metaSteps + 1);
  assert.equal(r.path[0], [0, 0]);
  // from the origin every goal pulls by itself: the first move is lr × the batch's mean goal,
  // which lies inside the goals' hull (a step of 0.05 toward a point within [-1, 1]²)
  assert.ok(Math.hypot(r.path[1][0], r.path[1][1]) <= REACH2D_PTB.lr * Math.SQRT2 + 1e-12);
  // over the run the point settles near the mixture's mean, (2/3)(0.3, 0.3) + (1/6)(−0.4, 0.4) + (1/6)(0.4, −0.4) = (0.2, 0.2)
  const last = r.path.at(-1)!;
  assert.ok(Math.hypot(last[0] - 0.2, last[1] - 0.2) < 0.05, JSON.stringify(last));
});

test('the README\'s reach2d-ptb table is the experiment\'s, and MEDIUM ends nearest the main mode', () => {
  const runs = Array.from({ length: REACH2D_PTB.seeds }, (_, seed) => STRATEGIES.map((s) => reachRun(s, seed))).flat();
  const stated = /<!-- reach2d-ptb table -->\n([\s\S]*?)\n<!-- end reach2d-ptb table -->/.exec(readFileSync('README.md', 'utf8'));
  assert.ok(stated, 'the README marks its reach2d-ptb table');
  assert.fixture(reachTable(runs), stated![1]);
  const mean = (s: string) => runs.filter((r) => r.strategy === s).reduce((a, r) => a + r.distance, 0) / REACH2D_PTB.seeds;
  for (const s of ['uniform', 'easy', 'hard']) assert.ok(mean('medium') < mean(s), `medium ${mean('medium')} vs ${s} ${mean(s)}`);
});

test.run();
