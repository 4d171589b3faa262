import createClient, { type Client } from 'openapi-fetch';
import type { paths } from './api-types.ts';
import { CliError, EXIT, type ExitCode } from './exit-codes.ts';

/**
 * The control-plane API, typed by services/cli/src/api-types.ts (generated from the API's OpenAPI
 * document by `npm run openapi`), so a renamed field or route fails the typecheck here.
 */
export type ApiClient = Client<paths> & {
  baseUrl: string;
  /** Awaits a call and returns its data; a failure becomes a CliError with an exit code and a hint. */
  data<D>(call: Promise<{ data?: D; error?: unknown; response: Response }>): Promise<D>;
};

/** The JSON a GET answers with 200, e.g. `Got<'/v1/campaigns/{id}'>`. */
export type Got<P extends keyof paths> = paths[P] extends { get: { responses: { 200: { content: { 'application/json': infer J } } } } }
  ? J
  : never;

const HINTS: Record<number, string> = {
  401: 'check RFT_TOKEN (or --token); ask an admin for a token if yours was revoked',
  403: "your token's role or team does not allow this; ask an operator or admin",
};

function exitFor(status: number): ExitCode {
  if (status === 400) return EXIT.invalidInput;
  if (status === 401 || status === 403) return EXIT.auth;
  if (status === 404) return EXIT.notFound;
  if (status === 409) return EXIT.conflict;
  if (status === 501) return EXIT.notAvailable;
  return EXIT.failure;
}

export function createApiClient(baseUrl: string, token: string | undefined): ApiClient {
  const root = baseUrl.replace(/\/+$/, '');
  const client = createClient<paths>({ baseUrl: root, headers: token ? { authorization: `Bearer ${token}` } : {} });
  // Refuse before anything is sent.
  client.use({
    onRequest() {
      if (!token) throw new CliError(EXIT.auth, 'no API token: set RFT_TOKEN or pass --token');
      return undefined;
    },
  });
  return Object.assign(client, {
    baseUrl: root,
    async data<D>(call: Promise<{ data?: D; error?: unknown; response: Response }>): Promise<D> {
      let result: { data?: D; error?: unknown; response: Response };
      try {
        result = await call;
      } catch (error) {
        if (error instanceof CliError) throw error;
        const cause = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message;
        throw new CliError(EXIT.unreachable, `cannot reach the API at ${root} (${cause}); check RFT_API_URL (or --api-url)`);
      }
      const { response } = result;
      if (!response.ok) {
        const err = (result.error as { error?: { message?: string; problems?: string[] } } | undefined)?.error;
        const message = err?.message ?? `${response.status} ${response.statusText}`;
        const hint = HINTS[response.status];
        throw new CliError(exitFor(response.status), hint ? `${message}\n(${hint})` : message, err?.problems ?? []);
      }
      return result.data as D;
    },
  });
}
