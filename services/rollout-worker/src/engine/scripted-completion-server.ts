/**
 * A real HTTP server speaking the OpenAI completions protocol that answers with scripted turns:
 * it stands in for a model whose behaviour the test must fix exactly (what vLLM or SGLang return
 * for EOS, a fence variant, a run past the tool cap). Requests are recorded for assertions.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ScriptedTurn {
  text: string;
  /** 'stop' (EOS or a stop string) or 'length'. */
  finishReason: 'stop' | 'length';
  /** vLLM's `stop_reason`: the matched stop string, a stop token id, or null for EOS. */
  stopReason?: string | number | null;
  /** SGLang's `matched_stop`, sent instead of `stop_reason` when set. */
  matchedStop?: string | number | null;
}

export interface CompletionRequestBody {
  prompt: string;
  stop: string[];
  max_tokens: number;
  [key: string]: unknown;
}

/** A turn, or a function of the request that decides it. */
export type ScriptStep = ScriptedTurn | ((request: CompletionRequestBody) => ScriptedTurn);

export interface ScriptedServer {
  url: string;
  requests: CompletionRequestBody[];
  close(): Promise<void>;
}

/** Serves `script` in order (the last step repeats); several samples may share one script per prompt key. */
export async function startScriptedServer(script: ScriptStep[], modelName = 'scripted'): Promise<ScriptedServer> {
  const requests: CompletionRequestBody[] = [];
  let next = 0;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.method === 'GET' && req.url === '/v1/models') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ object: 'list', data: [{ id: modelName, object: 'model', max_model_len: 32768 }] }));
        return;
      }
      if (req.method !== 'POST' || req.url !== '/v1/completions') {
        res.writeHead(404).end();
        return;
      }
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as CompletionRequestBody;
      requests.push(body);
      const step = script[Math.min(next++, script.length - 1)]!;
      const turn = typeof step === 'function' ? step(body) : step;
      const choice: Record<string, unknown> = { index: 0, text: turn.text, finish_reason: turn.finishReason, logprobs: null };
      if (turn.matchedStop !== undefined) choice.matched_stop = turn.matchedStop;
      else choice.stop_reason = turn.stopReason ?? null;
      const completionTokens = Math.max(1, Math.ceil(turn.text.length / 4));
      const promptTokens = Math.ceil(body.prompt.length / 4);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          id: `cmpl-${requests.length}`,
          object: 'text_completion',
          model: modelName,
          choices: [choice],
          usage: { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens },
        }),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((e) => (e ? reject(e) : resolve()));
      }),
  };
}

/** A turn that ended on a stop string the server kept in the text (include_stop_str_in_output / no_stop_trim). */
export const stopTurn = (text: string, stop: string): ScriptedTurn => ({ text, finishReason: 'stop', stopReason: stop });
/** A turn that ended on EOS as vLLM reports it: finish_reason stop, stop_reason null. */
export const eosTurn = (text: string): ScriptedTurn => ({ text, finishReason: 'stop', stopReason: null });
