// The training worker: meta-trains MAML on sinusoid, then adapts to the points the user clicks.
// Everything runs here so the page never blocks.
import { Adam, MAML, MLP, Rng, Sinusoid, getBackend, metaTrain, noGrad, tensor } from '../src/index.ts';
import type { FromWorker, ToWorker } from './protocol.ts';

const post = (m: FromWorker) => (self as unknown as Worker).postMessage(m);
let learner: MAML | null = null;
const grid = Array.from({ length: 121 }, (_, i) => -6 + i / 10);

self.onmessage = (e: MessageEvent<ToWorker>) => {
  const msg = e.data;
  if (msg.type === 'train') {
    post({ type: 'backend', name: getBackend() });
    const model = new MLP([1, 40, 40, 1], { activation: 'relu', rng: new Rng(msg.seed) });
    learner = new MAML(model, { innerLr: 0.01, innerSteps: 1 });
    const optimizer = new Adam(learner.metaParameters(), { lr: 1e-3 });
    const t0 = performance.now();
    const losses = metaTrain({
      learner, family: new Sinusoid(), optimizer, metaSteps: msg.metaSteps, metaBatch: 25, shots: 10, rng: new Rng(msg.seed + 1),
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
