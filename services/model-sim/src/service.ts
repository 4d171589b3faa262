/**
 * model-sim: a test double of an OpenAI-compatible inference server (vLLM flavour). It serves
 * `POST /v1/completions`, `POST /v1/chat/completions` (both with `stream` and `logprobs`),
 * `GET /v1/models`, `GET /health` and `GET /metrics` on node:http.
 */
import { assertNever } from '@rft/contracts';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { BatchScheduler, type RunTiming } from './batch-scheduler.ts';
import { readPrompt } from './chatml-prompt.ts';
import { chatRendererFor } from './chat-prompt.ts';
import { BadRequest, type ServerFlavour } from './completion-request.ts';
import { drawFault, validateFaultConfig, type Fault, type FaultConfig } from './fault-injection.ts';
import { CHARS_PER_TOKEN, countTokens, PrefixCache } from './prefix-cache.ts';
import { type BehaviourMix, REALISTIC_MIX } from './behaviour-mix.ts';
import { writeContinuation } from './reasoning-writer.ts';
import { serverChoice } from './server-output.ts';
import { simProfile } from './sim-profiles.ts';
import { createRandom, hashString } from '@rft/seeded-random';
import { errorBody } from './openai-errors.ts';
import { type OpenAiEndpoint, parseOpenAiRequest, type SimRequest } from './openai-request.ts';
import { sendOpenAiResponse } from './openai-responses.ts';
import { SimCounters, SimMetrics } from './sim-metrics.ts';
import type { TrainedBehaviour } from './trained-behaviour.ts';

export interface ModelSimOptions {
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  model?: string;
  /** Mixed into every request seed; replicas with the same seed answer alike. */
  seed?: number;
  maxNumSeqs?: number;
  /** Per running sequence; Infinity (default) answers as fast as the event loop allows. */
  decodeTokensPerSecond?: number;
  prefillTokensPerSecond?: number;
  maxModelLen?: number;
  /** Prefix cache capacity in 16-token blocks. */
  kvCacheBlocks?: number;
  faults?: FaultConfig;
  /** Imitate vLLM (default) or SGLang where they differ: the keep-stop flag, the stop field, EOS echo, metric names. */
  flavour?: ServerFlavour;
  /** The behaviour classes samples are drawn from (`SIM_BEHAVIOURS`). @defaultValue REALISTIC_MIX */
  behaviours?: BehaviourMix;
  /** The model family imitated (prompt markers, thinking block, EOS tokens, the chat template of `/v1/chat/completions`): a name of `SIM_PROFILES`. @defaultValue 'qwq-32b' */
  profile?: string;
  /**
   * A simulated fine-tune (`SIM_TRAINED_BEHAVIOUR`): math samples use the python tool at the learned
   * rate instead of following `behaviours`. Served under `model`, which must equal the file's model
   * (defaults to it). @defaultValue null (the base model)
   */
  trained?: TrainedBehaviour | null;
}

export interface ModelSimStats {
  requests: number;
  running: number;
  waiting: number;
  generatedTokens: number;
  promptTokens: number;
  prefixQueries: number;
  prefixHits: number;
}

export interface ModelSim {
  start(): Promise<{ url: string }>;
  close(): Promise<void>;
  stats(): ModelSimStats;
  /** The prompts received, newest last (the last 1000), for tests. */
  recentPrompts(): string[];
  /** Replaces the random fault rates. */
  setFaults(config: FaultConfig): void;
  /** Queues one-shot faults applied to the next requests, in order. */
  injectFaults(faults: Fault[]): void;
  readonly options: Required<Omit<ModelSimOptions, 'faults'>>;
}

export function createModelSim(options: ModelSimOptions = {}): ModelSim {
  const opts = {
    host: options.host ?? '127.0.0.1',
    port: options.port ?? 0,
    model: options.model ?? options.trained?.model ?? 'qwq-32b-sim',
    seed: options.seed ?? 0,
    maxNumSeqs: options.maxNumSeqs ?? 256,
    decodeTokensPerSecond: options.decodeTokensPerSecond ?? Infinity,
    prefillTokensPerSecond: options.prefillTokensPerSecond ?? Infinity,
    maxModelLen: options.maxModelLen ?? 40_960,
    kvCacheBlocks: options.kvCacheBlocks ?? 200_000,
    flavour: options.flavour ?? 'vllm',
    profile: options.profile ?? 'qwq-32b',
    behaviours: options.behaviours ?? REALISTIC_MIX,
    trained: options.trained ?? null,
  };
  if (opts.trained && opts.trained.model !== opts.model)
    throw new Error(
      `trained behaviour is for model ${JSON.stringify(opts.trained.model)}, but this replica serves ${JSON.stringify(opts.model)}`,
    );
  const renderChat = chatRendererFor(opts.profile);
  const profile = simProfile(opts.profile);
  if (!(opts.maxNumSeqs >= 1)) throw new Error(`maxNumSeqs: must be at least 1, got ${opts.maxNumSeqs}`);
  if (!(opts.decodeTokensPerSecond > 0)) throw new Error(`decodeTokensPerSecond: must be positive, got ${opts.decodeTokensPerSecond}`);
  if (!(opts.prefillTokensPerSecond > 0)) throw new Error(`prefillTokensPerSecond: must be positive, got ${opts.prefillTokensPerSecond}`);
  let faults: FaultConfig = options.faults ?? {};
  validateFaultConfig(faults);
  const queued: Fault[] = [];
  const faultRng = createRandom(hashString(`faults-${opts.seed}`));
  const scheduler = new BatchScheduler(opts);
  const cache = new PrefixCache(opts.kvCacheBlocks);
  const counters = new SimCounters();
  const metrics = new SimMetrics({ flavour: opts.flavour, model: opts.model, counters, scheduler, cache });
  const recentPrompts: string[] = [];
  const open = new Set<ServerResponse>();
  let requestCount = 0;

  const server = createServer((req, res) => {
    open.add(res);
    res.on('close', () => open.delete(res));
    route(req, res).catch((error: unknown) => {
      if (!res.headersSent) sendJson(res, 500, errorBody(500, 'InternalServerError', String(error)));
      else res.destroy();
    });
  });
  server.keepAliveTimeout = 60_000;
  server.headersTimeout = 0;
  server.requestTimeout = 0;

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://sim');
    if (req.method === 'GET' && url.pathname === '/health') return void res.writeHead(200).end();
    if (req.method === 'GET' && url.pathname === '/v1/models') {
      return sendJson(res, 200, {
        object: 'list',
        data: [{ id: opts.model, object: 'model', created: 0, owned_by: 'model-sim', root: opts.model, max_model_len: opts.maxModelLen }],
      });
    }
    if (req.method === 'GET' && url.pathname === '/metrics') {
      const body = await metrics.render();
      res.writeHead(200, { 'content-type': metrics.registry.contentType });
      return void res.end(body);
    }
    if (req.method === 'POST' && url.pathname === '/v1/completions') return generate(req, res, 'completion');
    if (req.method === 'POST' && url.pathname === '/v1/chat/completions') return generate(req, res, 'chat');
    sendJson(res, 404, errorBody(404, 'NotFoundError', `no route ${req.method} ${url.pathname}`));
  }

  async function generate(req: IncomingMessage, res: ServerResponse, endpoint: OpenAiEndpoint): Promise<void> {
    const raw = await readBody(req);
    requestCount++;
    const fault = queued.shift() ?? drawFault(faults, faultRng);
    const aborted = new AbortController();
    res.on('close', () => aborted.abort());
    const faultKind = fault?.kind ?? 'none';
    switch (faultKind) {
      case 'error':
        counters.errors++;
        return sendJson(res, fault?.status ?? 503, errorBody(fault?.status ?? 503, 'ServiceUnavailableError', 'injected fault'));
      case 'hang':
        return; // the response stays open until the client gives up
      case 'disconnect':
        req.socket.destroy();
        return;
      case 'malformed_json':
        res.writeHead(200, { 'content-type': 'application/json' });
        return void res.end('{"id":"cmpl-broken","object":"text_completion","choices":[{"text":"');
      case 'latency_spike':
      case 'none':
        break;
      default:
        assertNever(faultKind, 'fault kind');
    }
    let request: SimRequest;
    try {
      request = parseOpenAiRequest(endpoint, JSON.parse(raw), {
        servedModel: opts.model,
        flavour: opts.flavour,
        maxModelLen: opts.maxModelLen,
        renderChat,
      });
    } catch (error) {
      const message =
        error instanceof SyntaxError ? `invalid JSON body: ${error.message}` : error instanceof BadRequest ? error.message : String(error);
      return sendJson(res, 400, errorBody(400, 'BadRequestError', message));
    }
    const promptTokens = countTokens(request.prompt);
    if (promptTokens + request.maxTokens > opts.maxModelLen) {
      return sendJson(
        res,
        400,
        errorBody(
          400,
          'BadRequestError',
          `This model's maximum context length is ${opts.maxModelLen} tokens. However, you requested ${promptTokens + request.maxTokens} tokens (${promptTokens} in the messages, ${request.maxTokens} in the completion). Please reduce the length of the messages or completion.`,
        ),
      );
    }
    recentPrompts.push(request.prompt);
    if (recentPrompts.length > 1000) recentPrompts.shift();

    const view = readPrompt(request.prompt, profile);
    const seed = request.temperature === 0 ? opts.seed : hashString(`${request.seed ?? requestCount}`, opts.seed);
    const maxChars = request.maxTokens * CHARS_PER_TOKEN;
    const limitChars = view.assistant.length + maxChars + 64;
    const written = writeContinuation({
      ...view,
      thinking: profile.thinking,
      seed,
      limitChars,
      maxChars,
      behaviours: opts.behaviours,
      ...(opts.trained ? { toolUseRate: opts.trained.toolUseRate } : {}),
    });
    const eos = written.alternateEos ? (profile.extraEos[0] ?? profile.eos) : profile.eos;
    const outcome = serverChoice({ text: written.text, eos: written.eos ? eos : null }, { flavour: opts.flavour, ...request }, profile);
    const completionTokens = outcome.completionTokens;
    const cached = cache.lookup(request.prompt);
    const cachedTokens = Math.min(cached.tokens, promptTokens);
    counters.prefixQueries += promptTokens;
    counters.prefixHits += cachedTokens;
    let timing: RunTiming;
    try {
      timing = await scheduler.run(
        {
          uncachedPromptTokens: promptTokens - cachedTokens,
          contextTokens: promptTokens + completionTokens,
          completionTokens,
          extraDelayMs: fault?.kind === 'latency_spike' ? (fault.delayMs ?? 2000) : 0,
        },
        aborted.signal,
      );
    } catch {
      counters.aborted++;
      return; // the client went away; nothing to answer
    }
    cache.insert(request.prompt + outcome.text, cached);
    counters.promptTokens += promptTokens;
    counters.generationTokens += completionTokens;
    counters.finished[outcome.finishReason]++;
    metrics.observe(timing, completionTokens);
    sendOpenAiResponse(
      res,
      request,
      { ...outcome, promptTokens, completionTokens, cachedTokens },
      { requestNumber: requestCount, model: opts.model, flavour: opts.flavour, seed },
    );
  }

  return {
    options: opts,
    async start() {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(opts.port, opts.host, () => resolve());
      });
      const address = server.address() as AddressInfo;
      return { url: `http://${opts.host}:${address.port}` };
    },
    async close() {
      scheduler.close();
      for (const res of open) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
    stats: () => ({
      requests: requestCount,
      running: scheduler.running,
      waiting: scheduler.waiting,
      generatedTokens: scheduler.generatedTokens(),
      promptTokens: counters.promptTokens,
      prefixQueries: counters.prefixQueries,
      prefixHits: counters.prefixHits,
    }),
    recentPrompts: () => [...recentPrompts],
    setFaults(config) {
      validateFaultConfig(config);
      faults = config;
    },
    injectFaults(list) {
      queued.push(...list);
    },
  };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}
