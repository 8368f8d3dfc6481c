// `metagrad train --env digits-fewshot`: the conv net each learner gets (ProtoNet the embedding,
// MAML a head of N classes), the command's weights equal to the same run in this process, and
// eval's accuracy recomputed by hand on the test split's classes; protonet on a regression
// family is one line and exit code 2.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Flatten, Linear, ProtoNet, Sequential, classificationAccuracy, convNetFeatures, digitClassSplits, makeFamily, makeLearner, noGrad, runConfig } from '../src/index.ts';
import { registerDigitEnvironments } from '../src/cli/digit-files.ts';
import { heldOut, saveRun, train } from '../src/cli/run.ts';
import { setReproducible } from '../src/kernels/backend.ts';
import { cli } from './command.ts';

registerDigitEnvironments();
const dir = mkdtempSync(join(tmpdir(), 'metagrad-fewshot-cli-'));
const FLAGS = { env: 'digits-fewshot', shots: '1', 'query-size': '3', 'meta-steps': '3', 'meta-batch': '2', blocks: '2', filters: '4', reproducible: true } as const;
const args = (flags: Record<string, string | true>) => Object.entries(flags).flatMap(([k, v]) => (v === true ? [`--${k}`] : [`--${k}`, v]));

test('the network of each learner: ProtoNet the conv embedding, MAML the embedding and a head of N classes', () => {
  const proto = makeLearner(runConfig({ ...FLAGS, algo: 'protonet' }), makeFamily(runConfig({ ...FLAGS, algo: 'protonet' })));
  assert.ok(proto instanceof ProtoNet);
  const layers = (proto.model as Sequential).childModules();
  assert.ok(layers[layers.length - 1] instanceof Flatten, 'ProtoNet ends in the embedding');
  assert.is(layers.length, 2 * 3 + 1, 'two blocks of conv, batch norm, ReLU, and the flatten');
  const c = runConfig({ ...FLAGS, algo: 'maml', ways: '3' });
  const head = (makeLearner(c, makeFamily(c)).model as Sequential).childModules().at(-1) as Linear;
  assert.ok(head instanceof Linear);
  assert.equal([head.inFeatures, head.outFeatures], [convNetFeatures(2, 4, 28), 3]);
  assert.is(convNetFeatures(2, 4, 28), 4 * 7 * 7);
});

test('train --env digits-fewshot --algo protonet|maml: the in-process run\'s weights; eval\'s accuracy by hand on the test classes', () => {
  for (const algo of ['protonet', 'maml']) {
    const flags = { ...FLAGS, algo, ...(algo === 'maml' ? { 'inner-lr': '0.4' } : {}) };
    const out = join(dir, algo);
    const r = cli(['train', ...args(flags), '--quiet', '--out', out]);
    assert.is(r.status, 0, r.stderr);
    const c = runConfig(flags);
    const here = join(dir, `${algo}-here`);
    mkdirSync(here);
    let learner;
    try {
      const run = train(c, { quiet: true });
      saveRun(here, c, run);
      learner = run.learner;
    } finally {
      setReproducible(false);
    }
    assert.ok(Buffer.compare(readFileSync(join(out, 'model.safetensors')), readFileSync(join(here, 'model.safetensors'))) === 0, `${algo}: the command's weights are the in-process run's`);
    const ev = cli(['eval', '--run', out, '--tasks', '6', '--shots', '1', '--steps', '1', '--seed', '2', '--json']);
    assert.is(ev.status, 0, ev.stderr);
    const j = JSON.parse(ev.stdout);
    // by hand: the held-out tasks (test classes only), each one's support then its 15 queries per class
    setReproducible(true);
    try {
      const family = makeFamily(c);
      const { tasks, rng } = heldOut(family, 6, 2);
      const test = new Set(digitClassSplits().test);
      assert.ok(tasks.every((t) => t.id.every((cls) => test.has(cls))), 'held-out tasks are of the test classes');
      const acc = [[], []] as number[][];
      for (const t of tasks) {
        const support = t.sample(rng, 1);
        const query = t.sample(rng, 15);
        const theta = learner.model.paramMap();
        [theta, learner.adapt(theta, support, 1)].forEach((p, s) => {
          const scores = noGrad(() => (learner.classify ? learner.classify(support, query.x, p) : learner.model.call(query.x, p)));
          acc[s].push(classificationAccuracy(scores, query.y));
        });
      }
      const mean = acc.map((a) => a.reduce((x, y) => x + y, 0) / a.length);
      assert.equal(j.accuracy.mean, mean, `${algo}: accuracy after 0 and 1 steps`);
      assert.is(j.accuracy.ci95.length, 2);
      if (algo === 'protonet') assert.equal(mean[0], mean[1], 'ProtoNet has no inner loop');
    } finally {
      setReproducible(false);
    }
  }
});

test('protonet on a regression family: one line, exit code 2', () => {
  const r = cli(['train', '--algo', 'protonet', '--env', 'sinusoid', '--out', join(dir, 'sine')]);
  assert.is(r.status, 2);
  assert.is(r.stderr.trim(), 'metagrad train: protonet classifies; --env sinusoid is a regression family (loss mse): choose a classification family such as digits-fewshot');
});

test.after(() => rmSync(dir, { recursive: true, force: true }));

test.run();
