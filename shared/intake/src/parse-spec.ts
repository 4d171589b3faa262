import { CampaignSpec, InputError, parseOrThrow } from '@rft/contracts';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import { textProblems } from './question-rules.ts';

/** Parses a campaign spec (YAML); errors name the file and the field. */
export function parseCampaignSpec(text: string, file: string): CampaignSpec {
  let raw: unknown;
  try {
    raw = parseYaml(text, { uniqueKeys: true, maxAliasCount: 100 });
  } catch (error) {
    if (error instanceof YAMLParseError) {
      const line = error.linePos?.[0].line;
      throw new InputError(`${file}${line ? `:${line}` : ''}: invalid YAML: ${error.message.split('\n')[0]}`);
    }
    // The YAML library throws a plain ReferenceError for an alias bomb ("Excessive alias count").
    throw new InputError(`${file}: invalid YAML: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new InputError(`${file}: a campaign spec must be a YAML mapping`);
  }
  return validateCampaignSpec(raw, file);
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
