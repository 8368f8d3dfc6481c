// Messages between the page (main.ts) and the training worker (worker.ts).
export type ToWorker =
  | { type: 'train'; metaSteps: number; seed: number }
  | { type: 'adapt'; xs: number[]; ys: number[] };

export type FromWorker =
  | { type: 'backend'; name: string }
  | { type: 'progress'; step: number; total: number; loss: number }
  | { type: 'trained'; seconds: number; losses: number[] }
  | { type: 'prediction'; grid: number[]; before: number[]; after1: number[]; after10: number[] };

// The point-robot page (robot.ts) and its worker (robot-worker.ts).
export type ToRobot =
  | { type: 'load'; url: string }
  | { type: 'goal'; x: number; y: number; seed: number };

export interface RobotStage {
  /** The positions of the policy's mean actions (no exploration noise), step by step from the start. */
  path: [number, number][];
  /** The mean return of the stage's 20 episodes. */
  meanReturn: number;
}

export type FromRobot =
  | { type: 'ready'; backend: string }
  | { type: 'error'; message: string }
  | { type: 'paths'; goal: [number, number]; stages: RobotStage[]; seconds: number };
