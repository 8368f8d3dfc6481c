// The demo page: starts the worker, draws the learning curve while it trains, then turns clicks
// on the plot into support points and draws the adapted predictions. window.__demo exposes the
// state for the browser test.
import type { FromWorker, ToWorker } from './protocol.ts';

const X0 = -6, X1 = 6, Y0 = -6, Y1 = 6;
const plot = document.getElementById('plot') as HTMLCanvasElement;
const curve = document.getElementById('curve') as HTMLCanvasElement;
const status = document.getElementById('status')!;
const backendEl = document.getElementById('backend')!;
const worker = new Worker(new URL('./worker.js', import.meta.url), { type: 'module' });
const send = (m: ToWorker) => worker.postMessage(m);

interface DemoState {
  backend: string;
  trained: boolean;
  trainSeconds: number;
  losses: number[];
  points: { x: number; y: number }[];
  prediction: Extract<FromWorker, { type: 'prediction' }> | null;
  predictions: number;
  /** Page coordinates of a data point, for tests that click. */
  pixelOf(x: number, y: number): { x: number; y: number };
}
const state: DemoState = {
  backend: '', trained: false, trainSeconds: 0, losses: [], points: [], prediction: null, predictions: 0,
  pixelOf(x, y) {
    const r = plot.getBoundingClientRect();
    return { x: r.left + ((x - X0) / (X1 - X0)) * plot.width, y: r.top + ((Y1 - y) / (Y1 - Y0)) * plot.height };
  },
};
(window as unknown as { __demo: DemoState }).__demo = state;

const px = (x: number) => ((x - X0) / (X1 - X0)) * plot.width;
const py = (y: number) => ((Y1 - y) / (Y1 - Y0)) * plot.height;

function drawPlot(): void {
  const g = plot.getContext('2d')!;
  g.clearRect(0, 0, plot.width, plot.height);
  g.strokeStyle = '#eee';
  for (let v = -6; v <= 6; v += 2) {
    g.beginPath(); g.moveTo(px(v), 0); g.lineTo(px(v), plot.height); g.stroke();
    g.beginPath(); g.moveTo(0, py(v)); g.lineTo(plot.width, py(v)); g.stroke();
  }
  const p = state.prediction;
  if (p) {
    const line = (ys: number[], color: string, dash: number[]) => {
      g.strokeStyle = color; g.lineWidth = 2; g.setLineDash(dash); g.beginPath();
      p.grid.forEach((x, i) => (i ? g.lineTo(px(x), py(ys[i])) : g.moveTo(px(x), py(ys[i]))));
      g.stroke(); g.setLineDash([]);
    };
    line(p.before, '#999', [6, 4]);
    if (state.points.length) {
      line(p.after1, '#1f77b4', []);
      line(p.after10, '#d62728', []);
    }
  }
  g.fillStyle = '#222';
  for (const q of state.points) { g.beginPath(); g.arc(px(q.x), py(q.y), 5, 0, 2 * Math.PI); g.fill(); }
}

function drawCurve(): void {
  const g = curve.getContext('2d')!;
  g.clearRect(0, 0, curve.width, curve.height);
  const ls = state.losses;
  if (ls.length < 2) return;
  const w = 20; // moving average window
  const sm = ls.map((_, i) => { const a = ls.slice(Math.max(0, i - w + 1), i + 1); return a.reduce((s, v) => s + v, 0) / a.length; });
  const lo = Math.log(Math.min(...sm)), hi = Math.log(Math.max(...sm));
  g.strokeStyle = '#1f77b4'; g.lineWidth = 1.5; g.beginPath();
  sm.forEach((v, i) => {
    const x = 40 + (i / (sm.length - 1)) * (curve.width - 50);
    const y = 10 + (1 - (Math.log(v) - lo) / (hi - lo || 1)) * (curve.height - 30);
    i ? g.lineTo(x, y) : g.moveTo(x, y);
  });
  g.stroke();
  g.fillStyle = '#444'; g.font = '12px sans-serif';
  g.fillText(`meta-training loss (log scale), ${ls.length} meta-steps: ${sm[0].toFixed(2)} → ${sm[sm.length - 1].toFixed(2)}`, 40, curve.height - 4);
}

worker.onmessage = (e: MessageEvent<FromWorker>) => {
  const m = e.data;
  if (m.type === 'backend') {
    state.backend = m.name;
    backendEl.textContent = m.name;
  } else if (m.type === 'progress') {
    state.losses.push(m.loss);
    status.textContent = `meta-training… step ${m.step} of ${m.total}, loss ${m.loss.toFixed(3)}`;
    drawCurve();
  } else if (m.type === 'trained') {
    state.trained = true;
    state.trainSeconds = m.seconds;
    state.losses = m.losses;
    status.textContent = `trained ${m.losses.length} meta-steps in ${m.seconds.toFixed(1)} s — click the plot to add points`;
    drawCurve();
    send({ type: 'adapt', xs: [], ys: [] });
  } else if (m.type === 'prediction') {
    state.prediction = m;
    state.predictions++;
    drawPlot();
  }
};

plot.addEventListener('click', (e) => {
  if (!state.trained) return;
  const r = plot.getBoundingClientRect();
  const x = X0 + ((e.clientX - r.left) / r.width) * (X1 - X0);
  const y = Y1 - ((e.clientY - r.top) / r.height) * (Y1 - Y0);
  state.points.push({ x, y });
  send({ type: 'adapt', xs: state.points.map((p) => p.x), ys: state.points.map((p) => p.y) });
  drawPlot();
});
document.getElementById('clear')!.addEventListener('click', () => {
  state.points = [];
  send({ type: 'adapt', xs: [], ys: [] });
});
// ?steps=N&seed=S; the same seed trains the same model. "Train again" moves to the next seed.
const params = new URLSearchParams(location.search);
let seed = Number(params.get('seed') ?? 0);
function train(): void {
  state.trained = false;
  state.losses = [];
  status.textContent = 'meta-training…';
  send({ type: 'train', metaSteps: Number(params.get('steps') ?? 1500), seed });
}
document.getElementById('retrain')!.addEventListener('click', () => {
  seed++;
  train();
});
drawPlot();
train();
