// The point-robot page: loads the policy in the worker, turns a click on the map into a goal and
// draws the paths before adapting and after one and two steps. window.__robot exposes the state
// for the browser test.
import type { FromRobot, ToRobot } from './protocol.ts';

const R = 0.6; // the map shows [-R, R]²
const map = document.getElementById('map') as HTMLCanvasElement;
const status = document.getElementById('status')!;
const backendEl = document.getElementById('backend')!;
const returnsEl = document.getElementById('returns')!;
const worker = new Worker(new URL('./robot-worker.js', import.meta.url), { type: 'module' });
const send = (m: ToRobot) => worker.postMessage(m);

interface RobotState {
  ready: boolean;
  backend: string;
  error: string | null;
  results: number;
  last: Extract<FromRobot, { type: 'paths' }> | null;
  pixelOf(x: number, y: number): { x: number; y: number };
}
const state: RobotState = {
  ready: false, backend: '', error: null, results: 0, last: null,
  pixelOf(x, y) {
    const r = map.getBoundingClientRect();
    return { x: r.left + px(x), y: r.top + py(y) };
  },
};
(window as unknown as { __robot: RobotState }).__robot = state;

const px = (x: number) => ((x + R) / (2 * R)) * map.width;
const py = (y: number) => ((R - y) / (2 * R)) * map.height;

function draw(): void {
  const g = map.getContext('2d')!;
  g.clearRect(0, 0, map.width, map.height);
  g.strokeStyle = '#eee';
  for (let v = -0.5; v <= 0.5001; v += 0.25) {
    g.beginPath(); g.moveTo(px(v), 0); g.lineTo(px(v), map.height); g.stroke();
    g.beginPath(); g.moveTo(0, py(v)); g.lineTo(map.width, py(v)); g.stroke();
  }
  g.strokeStyle = '#bbb'; g.strokeRect(px(-0.5), py(0.5), px(0.5) - px(-0.5), py(-0.5) - py(0.5)); // the goal box
  g.fillStyle = '#222'; g.beginPath(); g.arc(px(0), py(0), 4, 0, 2 * Math.PI); g.fill(); // the start
  const last = state.last;
  if (!last) return;
  const styles: [string, number[]][] = [['#999', [6, 4]], ['#1f77b4', []], ['#d62728', []]];
  last.stages.forEach((s, i) => {
    g.strokeStyle = styles[i][0]; g.lineWidth = 2; g.setLineDash(styles[i][1]); g.beginPath();
    s.path.forEach(([x, y], t) => (t ? g.lineTo(px(x), py(y)) : g.moveTo(px(x), py(y))));
    g.stroke(); g.setLineDash([]);
  });
  const [gx, gy] = last.goal;
  g.strokeStyle = '#000'; g.lineWidth = 2; g.beginPath();
  g.moveTo(px(gx) - 6, py(gy) - 6); g.lineTo(px(gx) + 6, py(gy) + 6); g.moveTo(px(gx) + 6, py(gy) - 6); g.lineTo(px(gx) - 6, py(gy) + 6); g.stroke();
}

worker.onmessage = (e: MessageEvent<FromRobot>) => {
  const m = e.data;
  if (m.type === 'ready') {
    state.ready = true;
    state.backend = m.backend;
    backendEl.textContent = m.backend;
    status.textContent = 'click the map to set a goal';
  } else if (m.type === 'error') {
    state.error = m.message;
    status.textContent = `error: ${m.message}`;
  } else {
    state.last = m;
    state.results++;
    const [b, a1, a2] = m.stages.map((s) => s.meanReturn.toFixed(1));
    returnsEl.textContent = `mean return of 20 episodes: before adapting ${b}, after one step ${a1}, after two ${a2} (${m.seconds.toFixed(2)} s)`;
    status.textContent = 'click the map to set another goal';
    draw();
  }
};

let seed = 0;
map.addEventListener('click', (e) => {
  if (!state.ready) return;
  const r = map.getBoundingClientRect();
  const x = -R + ((e.clientX - r.left) / r.width) * 2 * R;
  const y = R - ((e.clientY - r.top) / r.height) * 2 * R;
  status.textContent = 'walking and adapting…';
  send({ type: 'goal', x, y, seed: seed++ });
});
draw();
send({ type: 'load', url: new URL('./pointnav-maml.safetensors', import.meta.url).href });
