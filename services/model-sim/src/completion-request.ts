/** Validation of a `/v1/completions` body, with vLLM's defaults and vLLM-style 400 messages. */

export interface CompletionRequest {
  model: string;
  prompt: string;
  maxTokens: number;
  temperature: number;
  seed: number | null;
  stop: string[];
  /** vLLM `include_stop_str_in_output`, SGLang `no_stop_trim` (both default false). */
  includeStopStrInOutput: boolean;
  /** Both servers default to true: special tokens (EOS included) are not decoded into the text. */
  skipSpecialTokens: boolean;
}

export class BadRequest extends Error {
  override readonly name = 'BadRequest';
}

function optionalNumber(body: Record<string, unknown>, field: string, check: (n: number) => boolean, rule: string): number | undefined {
  const v = body[field];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v) || !check(v)) throw new BadRequest(`${field}: ${rule}, got ${JSON.stringify(v)}`);
  return v;
}

/** Which server the simulator imitates where vLLM and SGLang differ. */
export type ServerFlavour = 'vllm' | 'sglang';

export function parseCompletionRequest(raw: unknown, servedModel: string, flavour: ServerFlavour = 'vllm'): CompletionRequest {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new BadRequest('request body must be a JSON object');
  const body = raw as Record<string, unknown>;
  if (body.model !== undefined && body.model !== servedModel)
    throw new BadRequest(`model: the model \`${String(body.model)}\` does not exist (serving \`${servedModel}\`)`);
  let prompt = body.prompt;
  if (Array.isArray(prompt) && prompt.length === 1 && typeof prompt[0] === 'string') prompt = prompt[0];
  if (typeof prompt !== 'string') throw new BadRequest('prompt: must be a string (token-id prompts are not simulated)');
  const n = optionalNumber(body, 'n', (x) => x === 1, 'only n = 1 is simulated');
  void n;
  // vLLM's default for /v1/completions is 16: clients that forget max_tokens get short answers here too.
  const maxTokens = optionalNumber(body, 'max_tokens', (x) => Number.isInteger(x) && x >= 1, 'must be a positive integer') ?? 16;
  const temperature = optionalNumber(body, 'temperature', (x) => x >= 0 && x <= 2, 'must be in [0, 2]') ?? 1;
  const seed = optionalNumber(body, 'seed', (x) => Number.isInteger(x), 'must be an integer') ?? null;
  for (const field of ['top_p', 'min_p'] as const) optionalNumber(body, field, (x) => x >= 0 && x <= 1, 'must be in [0, 1]');
  optionalNumber(body, 'top_k', (x) => Number.isInteger(x) && x >= -1, 'must be -1, 0 or a positive integer');
  optionalNumber(body, 'repetition_penalty', (x) => x > 0, 'must be positive');
  let stop: string[] = [];
  if (typeof body.stop === 'string') stop = [body.stop];
  else if (Array.isArray(body.stop)) {
    if (!body.stop.every((s) => typeof s === 'string' && s.length > 0)) throw new BadRequest('stop: must be a list of non-empty strings');
    stop = body.stop as string[];
  } else if (body.stop !== undefined && body.stop !== null) throw new BadRequest('stop: must be a string or a list of strings');
  // vLLM keeps the matched stop string with include_stop_str_in_output, SGLang with no_stop_trim.
  const field = flavour === 'vllm' ? 'include_stop_str_in_output' : 'no_stop_trim';
  const include = body[field];
  if (include !== undefined && typeof include !== 'boolean') throw new BadRequest(`${field}: must be a boolean`);
  const skip = body.skip_special_tokens;
  if (skip !== undefined && typeof skip !== 'boolean') throw new BadRequest('skip_special_tokens: must be a boolean');
  return {
    model: servedModel,
    prompt,
    maxTokens,
    temperature,
    seed,
    stop,
    includeStopStrInOutput: include ?? false,
    skipSpecialTokens: skip ?? true,
  };
}
