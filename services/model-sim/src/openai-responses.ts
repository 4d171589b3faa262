/**
 * Response bodies of the OpenAI-compatible endpoints in vLLM's shapes: `text_completion` and
 * `chat.completion` objects, and for `stream: true` Server-Sent Events of `*.chunk` objects ending
 * with `data: [DONE]`, the usage in a last `choices: []` chunk when `stream_options.include_usage`.
 */
import type { ServerResponse } from 'node:http';
import type { ServerFlavour } from './completion-request.ts';
import type { SimRequest } from './openai-request.ts';
import { chatLogprobs, completionLogprobs, simLogprobs, simTokens, type TokenLogprob } from './sim-logprobs.ts';

export interface SimOutcome {
  text: string;
  finishReason: 'stop' | 'length';
  /** vLLM `stop_reason` / SGLang `matched_stop`: the matched stop string, an EOS token id, or null. */
  stopReason: string | number | null;
  promptTokens: number;
  completionTokens: number;
  cachedTokens: number;
}

export interface ResponseMeta {
  /** Unique per request; prefixed `cmpl-` or `chatcmpl-` here. */
  requestNumber: number;
  model: string;
  flavour: ServerFlavour;
  /** Seeds the simulated logprobs. */
  seed: number;
}

/** vLLM names the matched stop `stop_reason`; SGLang names it `matched_stop` (both decided by `serverChoice`). */
function stopField(flavour: ServerFlavour, o: Pick<SimOutcome, 'stopReason'>): Record<string, unknown> {
  return flavour === 'vllm' ? { stop_reason: o.stopReason } : { matched_stop: o.stopReason };
}

function usage(o: SimOutcome) {
  return {
    prompt_tokens: o.promptTokens,
    completion_tokens: o.completionTokens,
    total_tokens: o.promptTokens + o.completionTokens,
    prompt_tokens_details: { cached_tokens: o.cachedTokens },
  };
}

export function sendOpenAiResponse(res: ServerResponse, request: SimRequest, outcome: SimOutcome, meta: ResponseMeta): void {
  const logprobs = request.logprobs ? simLogprobs(simTokens(outcome.text), request.logprobs.top, meta.seed) : null;
  if (request.stream) return void writeSse(res, streamChunks(request, outcome, meta, logprobs));
  const text = JSON.stringify(responseBody(request, outcome, meta, logprobs));
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function header(request: SimRequest, meta: ResponseMeta, chunk: boolean) {
  const chat = request.endpoint === 'chat';
  return {
    id: `${chat ? 'chatcmpl' : 'cmpl'}-${meta.requestNumber.toString(16)}`,
    object: chat ? (chunk ? 'chat.completion.chunk' : 'chat.completion') : 'text_completion',
    created: Math.floor(Date.now() / 1000),
    model: meta.model,
  };
}

function responseBody(request: SimRequest, o: SimOutcome, meta: ResponseMeta, logprobs: TokenLogprob[] | null): unknown {
  const end = { finish_reason: o.finishReason, ...stopField(meta.flavour, o) };
  if (request.endpoint === 'completion') {
    return {
      ...header(request, meta, false),
      choices: [{ index: 0, text: o.text, logprobs: logprobs && completionLogprobs(logprobs), ...end }],
      usage: usage(o),
    };
  }
  return {
    ...header(request, meta, false),
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content: o.text, tool_calls: [] },
        logprobs: logprobs && chatLogprobs(logprobs),
        ...end,
      },
    ],
    usage: usage(o),
    prompt_logprobs: null,
  };
}

/** One chunk per simulated token, as a server streaming every decode step; the last carries finish_reason. */
function streamChunks(request: SimRequest, o: SimOutcome, meta: ResponseMeta, logprobs: TokenLogprob[] | null): unknown[] {
  const head = header(request, meta, true);
  const pieces = simTokens(o.text);
  if (pieces.length === 0) pieces.push('');
  const chunks: unknown[] = [];
  const chat = request.endpoint === 'chat';
  if (chat)
    chunks.push({ ...head, choices: [{ index: 0, delta: { role: 'assistant', content: '' }, logprobs: null, finish_reason: null }] });
  let offset = 0;
  pieces.forEach((piece, i) => {
    const last = i === pieces.length - 1;
    const end = last ? { finish_reason: o.finishReason, ...stopField(meta.flavour, o) } : { finish_reason: null };
    const lp = logprobs?.slice(i, i + 1) ?? null;
    chunks.push({
      ...head,
      choices: [
        chat
          ? { index: 0, delta: { content: piece }, logprobs: lp && chatLogprobs(lp), ...end }
          : { index: 0, text: piece, logprobs: lp && completionLogprobs(lp, offset), ...end },
      ],
    });
    offset += piece.length;
  });
  if (request.includeUsage) chunks.push({ ...head, choices: [], usage: usage(o) });
  return chunks;
}

function writeSse(res: ServerResponse, chunks: unknown[]): void {
  res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive' });
  for (const chunk of chunks) res.write(`data: ${JSON.stringify(chunk)}\n\n`);
  res.end('data: [DONE]\n\n');
}
