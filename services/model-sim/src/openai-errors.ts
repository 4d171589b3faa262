/** Error bodies in vLLM's current shape, `{error: {message, type, param, code}}`, which OpenAI clients read. */

/** A validation message starts with the field it is about (`logprobs: ...`): that field is the error's `param`. */
const FIELD_PREFIX = /^([A-Za-z_][\w.[\]]*): /;

export function errorBody(
  code: number,
  type: string,
  message: string,
): { error: { message: string; type: string; param: string | null; code: number } } {
  return { error: { message, type, param: FIELD_PREFIX.exec(message)?.[1] ?? null, code } };
}
