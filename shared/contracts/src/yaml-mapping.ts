import { parse as parseYaml, YAMLParseError } from 'yaml';
import { InputError } from './validation-error.ts';

/**
 * Parses a spec file (YAML, which includes JSON) that must hold one mapping: duplicate keys refused,
 * aliases capped (an alias bomb is refused, not expanded). Errors name the file and the line;
 * `notAMapping` is the problem reported when the document is a list or a scalar.
 */
export function parseYamlMapping(text: string, file: string, notAMapping: string): object {
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
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw new InputError(`${file}: ${notAMapping}`);
  return raw;
}
