import type { LaunchPlan } from '../launch-plan.ts';
import { PREFLIGHT_PY } from '../preflight-script.ts';

/** The files every backend ships with a run (relative name -> content). */
export function planFiles(plan: LaunchPlan): Record<string, string> {
  return {
    'plan.json': JSON.stringify(plan, null, 2) + '\n',
    'ds_config.json': JSON.stringify(plan.deepspeed, null, 2) + '\n',
    'training_args.json': JSON.stringify(plan.trainingArgs, null, 2) + '\n',
    'preflight.py': PREFLIGHT_PY,
  };
}

/** Quotes a word for bash. */
export function shellQuote(word: string): string {
  return /^[A-Za-z0-9_./:=@%+-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}
