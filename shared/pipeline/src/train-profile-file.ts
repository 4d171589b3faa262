import { parseOrThrow, parseYamlMapping, strictObject, TrainingBackend } from '@rft/contracts';
import { z } from 'zod';

/**
 * A train step's profile file: what POST /v1/runs takes besides the dataset. `cluster` is the
 * launcher's cluster profile (nodes, GPUs, partition or namespace, image...), `training` overrides
 * the training configuration (learning rate, epochs...).
 */
export const TrainProfileFile = strictObject({
  backend: TrainingBackend,
  cluster: z.record(z.string(), z.unknown()).default({}),
  training: z.record(z.string(), z.unknown()).default({}),
});
export type TrainProfileFile = z.infer<typeof TrainProfileFile>;

export function parseTrainProfileFile(text: string, file: string): TrainProfileFile {
  return parseOrThrow(TrainProfileFile, parseYamlMapping(text, file, 'a training profile file must be a mapping'), file);
}
