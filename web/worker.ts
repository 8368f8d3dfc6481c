// The training worker: meta-trains MAML on sinusoid, then adapts to the points the user clicks.
// Everything runs here so the page never blocks.
import { Adam, Rng, getBackend, makeFamily, makeLearner, metaTrain, noGrad, runConfig, tensor, type Learner } from '../src/index.ts';
import type { FromWorker, ToWorker } from './protocol.ts';

const post = (m: FromWorker) => (self as unknown as Worker).postMessage(m);
let learner: Learner | null = null;
const grid = Array.from({ length: 121 }, (_, i) => -6 + i / 10);

self.onmessage = (e: MessageEvent<ToWorker>) => {
  const msg = e.data;
  if (msg.type === 'train') {
    post({ type: 'backend', name: getBackend() });
    // `metagrad train`'s defaults: MAML, 1-40-40-1, Finn et al.'s sinusoid set-up
    const c = runConfig({ seed: msg.seed, 'meta-steps': msg.metaSteps });
    const family = makeFamily(c);
    learner = makeLearner(c, family);
    const optimizer = new Adam(learner.metaParameters(), { lr: c.outerLr });
    const t0 = performance.now();
    const losses = metaTrain({
      learner, family, optimizer, metaSteps: c.metaSteps, metaBatch: c.metaBatch, shots: c.shots, querySize: c.querySize, rng: new Rng(c.seed + 1),
      onStep: (step, loss) => {
        if (step % 25 === 0) post({ type: 'progress', step, total: msg.metaSteps, loss });
      },
    });
    post({ type: 'trained', seconds: (performance.now() - t0) / 1000, losses });
  } else if (msg.type === 'adapt' && learner) {
    const x = tensor(grid, { shape: [grid.length, 1] });
    const l = learner;
    const predict = (p: Map<string, import('../src/index.ts').Tensor>) => Array.from(noGrad(() => l.model.call(x, p)).data);
    const theta = l.model.paramMap();
    const before = predict(theta);
    if (msg.xs.length === 0) {
      post({ type: 'prediction', grid, before, after1: before, after10: before });
      return;
    }
    const support = { x: tensor(msg.xs, { shape: [msg.xs.length, 1] }), y: tensor(msg.ys, { shape: [msg.ys.length, 1] }) };
    post({ type: 'prediction', grid, before, after1: predict(l.adapt(theta, support, 1)), after10: predict(l.adapt(theta, support, 10)) });
  }
};
