// The point-robot page's worker: loads the meta-trained policy, then for each clicked goal walks
// 20 episodes, adapts by a policy-gradient step on them, walks again, adapts again, walks.
import { GaussianPolicy, PointNav2D, Rng, Tensor, VectorEnv, adaptPolicy, baselineAdvantages, collectEpisodes, episodeReturns, fromSafetensors, getBackend, noGrad, type ParamMap } from '../src/index.ts';
import type { FromRobot, RobotStage, ToRobot } from './protocol.ts';

const post = (m: FromRobot) => (self as unknown as Worker).postMessage(m);
const EPISODES = 20;
let policy: GaussianPolicy | null = null;

/** The path of the policy's mean action (no exploration noise) from the start, to the goal or 100 steps. */
function meanPath(p: GaussianPolicy, params: ParamMap, gx: number, gy: number): [number, number][] {
  const env = new PointNav2D().make();
  env.setTask([gx, gy]);
  let obs = env.reset();
  const path: [number, number][] = [[obs[0], obs[1]]];
  for (let t = 0; t < env.horizon; t++) {
    const a = noGrad(() => p.call(new Tensor(Float32Array.from(obs), [1, 2]), params)).data;
    const r = env.step([a[0], a[1]]);
    path.push([r.obs[0], r.obs[1]]);
    if (r.terminated || r.truncated) break;
    obs = r.obs;
  }
  return path;
}

self.onmessage = async (e: MessageEvent<ToRobot>) => {
  const msg = e.data;
  try {
    if (msg.type === 'load') {
      const res = await fetch(msg.url);
      if (!res.ok) throw new Error(`${msg.url}: HTTP ${res.status}`);
      const { tensors } = fromSafetensors(new Uint8Array(await res.arrayBuffer()), msg.url);
      policy = new GaussianPolicy(2, 2, { hidden: [64, 64] });
      policy.loadStateDict(tensors);
      post({ type: 'ready', backend: getBackend() });
    } else if (msg.type === 'goal' && policy) {
      const t0 = performance.now();
      const env = new VectorEnv(new PointNav2D(), EPISODES);
      env.setTasks(new Array(EPISODES).fill([msg.x, msg.y]));
      const rng = new Rng(msg.seed);
      let params: ParamMap = policy.paramMap();
      const stages: RobotStage[] = [];
      for (let s = 0; s <= 2; s++) {
        const ep = collectEpisodes(env, policy, rng, { seed: 1000 * s, params });
        stages.push({ path: meanPath(policy, params, msg.x, msg.y), meanReturn: episodeReturns(ep).reduce((a, b) => a + b, 0) / EPISODES });
        if (s < 2) params = adaptPolicy(policy, ep, baselineAdvantages(ep), 0.1, { params, firstOrder: true });
      }
      post({ type: 'paths', goal: [msg.x, msg.y], stages, seconds: (performance.now() - t0) / 1000 });
    }
  } catch (err) {
    post({ type: 'error', message: (err as Error).message });
  }
};
