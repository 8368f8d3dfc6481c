// Messages between the page (main.ts) and the training worker (worker.ts).
export type ToWorker =
  | { type: 'train'; metaSteps: number; seed: number }
  | { type: 'adapt'; xs: number[]; ys: number[] };

export type FromWorker =
  | { type: 'backend'; name: string }
  | { type: 'progress'; step: number; total: number; loss: number }
  | { type: 'trained'; seconds: number; losses: number[] }
  | { type: 'prediction'; grid: number[]; before: number[]; after1: number[]; after10: number[] };
