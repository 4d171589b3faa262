/** Worker thread entry: runs one comparison per message. Killed from outside when it overruns. */
import { parentPort } from 'node:worker_threads';
import { compareAnswers, type CompareOptions, type CompareResult } from './answer-compare.ts';

export interface CompareTask {
  id: number;
  gold: string;
  pred: string;
  options: CompareOptions;
}
export interface CompareReply {
  id: number;
  result: CompareResult;
}

export interface ReadyMessage {
  ready: true;
}

parentPort?.postMessage({ ready: true } satisfies ReadyMessage);
parentPort?.on('message', (task: CompareTask) => {
  let result: CompareResult;
  try {
    result = compareAnswers(task.gold, task.pred, task.options);
  } catch (e) {
    result = { equal: false, method: 'none', undecided: 'crash', detail: (e as Error).message };
  }
  parentPort!.postMessage({ id: task.id, result } satisfies CompareReply);
});
