/**
 * The OpenAI-compatible request surface beyond the plain completion body: `/v1/chat/completions`,
 * `stream` with `stream_options`, and `logprobs`, validated as vLLM's protocol models do
 * (vllm/entrypoints/openai/protocol.py) with 400 messages that name the field.
 */
import { BadRequest, type CompletionRequest, parseCompletionRequest, type ServerFlavour } from './completion-request.ts';
import { countTokens } from './prefix-cache.ts';

/** Which endpoint a request came in on: the response shapes differ. */
export type OpenAiEndpoint = 'completion' | 'chat';

/** vLLM's `--max-logprobs` default. */
export const MAX_LOGPROBS = 20;

export interface LogprobsRequest {
  /** Alternatives per position besides the sampled token (completions: `logprobs`; chat: `top_logprobs`). */
  top: number;
}

export interface SimRequest extends CompletionRequest {
  endpoint: OpenAiEndpoint;
  stream: boolean;
  /** `stream_options.include_usage`: a last chunk with `choices: []` and the usage. */
  includeUsage: boolean;
  logprobs: LogprobsRequest | null;
}

export interface ChatMessageIn {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

/** Renders chat messages into the prompt text the model sees (the profile's chat template). */
export type ChatRenderer = (messages: ChatMessageIn[]) => string;

export interface ParseContext {
  servedModel: string;
  flavour: ServerFlavour;
  maxModelLen: number;
  renderChat: ChatRenderer;
}

export function parseOpenAiRequest(endpoint: OpenAiEndpoint, raw: unknown, ctx: ParseContext): SimRequest {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new BadRequest('request body must be a JSON object');
  const body = raw as Record<string, unknown>;
  const stream = optionalBoolean(body, 'stream') ?? false;
  const includeUsage = parseStreamOptions(body, stream);
  if (endpoint === 'completion') {
    const base = parseCompletionRequest(body, ctx.servedModel, ctx.flavour);
    return { ...base, endpoint, stream, includeUsage, logprobs: parseCompletionLogprobs(body) };
  }
  if ('prompt' in body) throw new BadRequest('prompt: not a chat field; send `messages` (or use /v1/completions)');
  const prompt = ctx.renderChat(parseMessages(body.messages));
  // vLLM's chat default for max_tokens is whatever the context leaves after the prompt.
  const explicit = body.max_completion_tokens ?? body.max_tokens;
  const maxTokens = explicit ?? Math.max(1, ctx.maxModelLen - countTokens(prompt));
  const base = parseCompletionRequest(
    { ...body, messages: undefined, max_completion_tokens: undefined, prompt, max_tokens: maxTokens },
    ctx.servedModel,
    ctx.flavour,
  );
  return { ...base, endpoint, stream, includeUsage, logprobs: parseChatLogprobs(body) };
}

function optionalBoolean(body: Record<string, unknown>, field: string): boolean | undefined {
  const v = body[field];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'boolean') throw new BadRequest(`${field}: must be a boolean, got ${JSON.stringify(v)}`);
  return v;
}

function parseStreamOptions(body: Record<string, unknown>, stream: boolean): boolean {
  const options = body.stream_options;
  if (options === undefined || options === null) return false;
  if (typeof options !== 'object' || Array.isArray(options)) throw new BadRequest('stream_options: must be an object');
  if (!stream) throw new BadRequest('stream_options: only allowed when stream is true');
  const include = (options as Record<string, unknown>).include_usage;
  if (include !== undefined && include !== null && typeof include !== 'boolean')
    throw new BadRequest('stream_options.include_usage: must be a boolean');
  // vLLM's StreamOptions defaults include_usage to true once stream_options is sent.
  return include ?? true;
}

function parseCompletionLogprobs(body: Record<string, unknown>): LogprobsRequest | null {
  const v = body.logprobs;
  if (v === undefined || v === null) return null;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0)
    throw new BadRequest(`logprobs: must be a non-negative integer (alternatives per token), got ${JSON.stringify(v)}`);
  if (v > MAX_LOGPROBS) throw new BadRequest(`logprobs: requested ${v} alternatives per token; at most ${MAX_LOGPROBS} are allowed`);
  return { top: v };
}

function parseChatLogprobs(body: Record<string, unknown>): LogprobsRequest | null {
  const wanted = optionalBoolean(body, 'logprobs') ?? false;
  const top = body.top_logprobs;
  if (top !== undefined && top !== null) {
    if (typeof top !== 'number' || !Number.isInteger(top) || top < 0)
      throw new BadRequest(`top_logprobs: must be a non-negative integer, got ${JSON.stringify(top)}`);
    if (top > MAX_LOGPROBS) throw new BadRequest(`top_logprobs: requested ${top}; at most ${MAX_LOGPROBS} are allowed`);
    if (!wanted) throw new BadRequest('top_logprobs: only allowed when logprobs is true');
  }
  return wanted ? { top: typeof top === 'number' ? top : 0 } : null;
}

const ROLES = new Set(['system', 'user', 'assistant']);

function parseMessages(raw: unknown): ChatMessageIn[] {
  if (!Array.isArray(raw) || raw.length === 0) throw new BadRequest('messages: must be a non-empty list of {role, content}');
  return raw.map((m, i) => {
    if (typeof m !== 'object' || m === null) throw new BadRequest(`messages[${i}]: must be an object with role and content`);
    const { role, content } = m as Record<string, unknown>;
    if (typeof role !== 'string' || !ROLES.has(role))
      throw new BadRequest(`messages[${i}].role: must be system, user or assistant (tools are not simulated), got ${JSON.stringify(role)}`);
    return { role: role as ChatMessageIn['role'], content: messageText(content, i) };
  });
}

/** A string, or the list-of-parts form with text parts only. */
function messageText(content: unknown, i: number): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) {
    return content
      .map((part, j) => {
        const p = part as Record<string, unknown> | null;
        if (p?.type !== 'text' || typeof p.text !== 'string')
          throw new BadRequest(`messages[${i}].content[${j}]: only {type: "text", text} parts are simulated`);
        return p.text;
      })
      .join('');
  }
  throw new BadRequest(`messages[${i}].content: must be a string or a list of text parts`);
}
