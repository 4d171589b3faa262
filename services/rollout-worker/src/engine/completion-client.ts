/**
 * One `/v1/completions` call against an OpenAI-compatible server (vLLM or SGLang), over a shared
 * keep-alive undici Agent. Long non-streaming generations are normal here, so undici's 300 s
 * headers/body timeouts are off; the caller's deadline (an AbortSignal) bounds every call instead.
 */
import { Agent } from 'undici';
import { InferenceError } from './engine-errors.ts';

export interface CompletionParams {
  model: string;
  prompt: string;
  maxTokens: number;
  temperature: number;
  topP: number;
  topK: number;
  minP: number;
  repetitionPenalty: number;
  seed: number;
  stop: string[];
}

export interface CompletionResult {
  text: string;
  finishReason: string;
  stopReason: string | number | null;
  promptTokens: number;
  completionTokens: number;
  cachedTokens: number | null;
}

export function createHttpAgent(connectionsPerOrigin: number): Agent {
  return new Agent({
    connections: connectionsPerOrigin,
    pipelining: 1,
    keepAliveTimeout: 30_000,
    keepAliveMaxTimeout: 600_000,
    headersTimeout: 0,
    bodyTimeout: 0,
    connectTimeout: 10_000,
  });
}

/** The request body. Every sampling field is explicit: servers otherwise fall back to the model's generation_config. */
export function completionBody(p: CompletionParams): Record<string, unknown> {
  return {
    model: p.model,
    prompt: p.prompt,
    n: 1,
    max_tokens: p.maxTokens,
    temperature: p.temperature,
    top_p: p.topP,
    top_k: p.topK,
    min_p: p.minP,
    repetition_penalty: p.repetitionPenalty,
    seed: p.seed,
    stop: p.stop,
    include_stop_str_in_output: true,
    skip_special_tokens: false,
    spaces_between_special_tokens: false,
    stream: false,
  };
}

export async function requestCompletion(agent: Agent, baseUrl: string, params: CompletionParams, signal: AbortSignal): Promise<CompletionResult> {
  const url = new URL('/v1/completions', baseUrl);
  let statusCode: number;
  let bodyText: string;
  try {
    const res = await agent.request({
      origin: url.origin,
      path: url.pathname,
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(completionBody(params)),
      signal,
    });
    statusCode = res.statusCode;
    bodyText = await res.body.text();
  } catch (error) {
    if (signal.aborted) {
      const reason: unknown = signal.reason;
      const timedOut = reason instanceof Error && reason.name === 'TimeoutError';
      throw new InferenceError(timedOut ? 'timeout' : 'aborted', baseUrl, timedOut ? 'request timed out' : 'request aborted', null, { cause: error });
    }
    const code = (error as { code?: string }).code ?? (error as Error).name;
    throw new InferenceError('connection', baseUrl, `connection failed: ${code}: ${(error as Error).message}`, null, { cause: error });
  }
  if (statusCode >= 500) throw new InferenceError('http_5xx', baseUrl, `HTTP ${statusCode}: ${bodyText.slice(0, 300)}`, statusCode);
  if (statusCode === 429) throw new InferenceError('http_429', baseUrl, `HTTP 429: ${bodyText.slice(0, 300)}`, statusCode);
  if (statusCode >= 400) throw new InferenceError('http_4xx', baseUrl, `HTTP ${statusCode}: ${errorMessage(bodyText)}`, statusCode);
  return parseCompletion(bodyText, baseUrl);
}

function errorMessage(body: string): string {
  try {
    const parsed = JSON.parse(body) as { message?: unknown; error?: { message?: unknown } };
    const message = parsed.message ?? parsed.error?.message;
    if (typeof message === 'string') return message;
  } catch {
    // not JSON: show the raw text
  }
  return body.slice(0, 300);
}

export function parseCompletion(bodyText: string, replica: string): CompletionResult {
  let body: unknown;
  try {
    body = JSON.parse(bodyText);
  } catch (error) {
    throw new InferenceError('malformed_response', replica, `response is not valid JSON (${bodyText.length} bytes): ${(error as Error).message}`, 200, { cause: error });
  }
  const fail = (what: string): never => {
    throw new InferenceError('malformed_response', replica, `response ${what}`, 200);
  };
  const b = body as { choices?: unknown; usage?: unknown };
  if (!Array.isArray(b.choices) || b.choices.length !== 1) return fail('has no single choice');
  const choice = b.choices[0] as { text?: unknown; finish_reason?: unknown; stop_reason?: unknown };
  if (typeof choice.text !== 'string') return fail('choice has no text');
  if (typeof choice.finish_reason !== 'string') return fail('choice has no finish_reason');
  const stopReason = choice.stop_reason;
  const usage = b.usage as { prompt_tokens?: unknown; completion_tokens?: unknown; prompt_tokens_details?: { cached_tokens?: unknown } | null } | undefined;
  if (!usage || typeof usage.prompt_tokens !== 'number' || typeof usage.completion_tokens !== 'number') return fail('has no usage');
  const cached = usage.prompt_tokens_details?.cached_tokens;
  return {
    text: choice.text,
    finishReason: choice.finish_reason,
    stopReason: typeof stopReason === 'string' || typeof stopReason === 'number' ? stopReason : null,
    promptTokens: usage.prompt_tokens,
    completionTokens: usage.completion_tokens,
    cachedTokens: typeof cached === 'number' ? cached : null,
  };
}
