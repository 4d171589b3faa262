/**
 * What a "trained" model-sim learned from its training data. model-sim is a test double, so training
 * is simulated: the launcher's `local` serve backend writes `trained-behaviour.json` (the dataset's
 * share of examples whose trained text runs python) and the replica's tool-use propensity follows it.
 * Nothing here is learned from tokens; the point is a deterministic, documented effect of the data
 * on behaviour that the pipeline's evaluation can show.
 */
import { readFileSync } from 'node:fs';
import { randomFor } from '@rft/seeded-random';
import { z } from 'zod';

export const TrainedBehaviour = z.strictObject({
  format: z.literal('rft-sim-trained/1'),
  /** The model name the checkpoint is served under (the train step's `produces`). */
  model: z.string().min(1),
  datasetId: z.string().min(1),
  /** Examples in the dataset version trained on. */
  examples: z.number().int().min(0),
  /** Fraction of the examples whose trained text holds at least one python code segment. */
  toolUseRate: z.number().min(0).max(1),
});
export type TrainedBehaviour = z.infer<typeof TrainedBehaviour>;

/** Reads and checks a trained-behaviour file; every problem names the file. */
export function readTrainedBehaviour(path: string): TrainedBehaviour {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new Error(`${path}: cannot read a trained-behaviour file: ${error instanceof Error ? error.message : String(error)}`);
  }
  const parsed = TrainedBehaviour.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new Error(`${path}: not a trained-behaviour file (rft-sim-trained/1): ${problems.join('; ')}`);
  }
  return parsed.data;
}

/**
 * Whether a trained model reaches for the python tool on this sample: a draw seeded by (seed,
 * problem) against the learned rate, so the same request always decides the same way and a
 * continuation request agrees with the request it continues.
 */
export function trainedUsesTool(toolUseRate: number, seed: number, problemText: string): boolean {
  return randomFor(seed, problemText, 'trained-tool-use').next() < toolUseRate;
}
