/** What one `GET <endpoint>/v1/models` said: the model is listed, or why not. */
export type ProbeResult = { ok: true } | { ok: false; error: string };

/**
 * Asks an OpenAI-compatible server (vLLM, SGLang, model-sim) which models it serves. Ready means
 * `model` is among `data[].id`: a server still loading weights answers nothing, one started on the
 * wrong checkpoint or name answers other ids.
 */
export async function probeModels(endpoint: string, model: string, timeoutMs = 5000): Promise<ProbeResult> {
  const url = `${endpoint.replace(/\/+$/, '')}/v1/models`;
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    if (!res.ok) return { ok: false, error: `GET ${url}: HTTP ${res.status}` };
    const body = (await res.json()) as { data?: Array<{ id?: unknown }> };
    const ids = Array.isArray(body.data) ? body.data.map((m) => String(m.id)) : [];
    if (ids.includes(model)) return { ok: true };
    return { ok: false, error: `GET ${url}: lists ${ids.length ? ids.join(', ') : 'no model'}, not ${model}` };
  } catch (error) {
    const cause = error instanceof Error ? ((error.cause as Error | undefined)?.message ?? error.message) : String(error);
    return { ok: false, error: `GET ${url}: ${cause}` };
  }
}
