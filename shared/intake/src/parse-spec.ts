import { CampaignSpec, InputError, parseOrThrow, parseYamlMapping } from '@rft/contracts';
import { textProblems } from './question-rules.ts';

/** Parses a campaign spec (YAML); errors name the file and the field. */
export function parseCampaignSpec(text: string, file: string): CampaignSpec {
  return validateCampaignSpec(parseYamlMapping(text, file, 'a campaign spec must be a YAML mapping'), file);
}

/**
 * Checks an already-parsed spec (YAML or a JSON body): its shape (unknown keys refused with a
 * suggestion), then every text field (NUL, lone surrogates, chat control text and look-alikes).
 */
export function validateCampaignSpec(raw: unknown, where: string): CampaignSpec {
  const spec = parseOrThrow(CampaignSpec, raw, where);
  const problems = textProblems(spec).map((p) => `${where}: ${p}`);
  if (problems.length) throw new InputError(problems.join('\n'), problems);
  return spec;
}
