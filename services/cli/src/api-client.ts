import { CliError, EXIT, type ExitCode } from './exit-codes.ts';

export interface ApiClient {
  baseUrl: string;
  get<T = unknown>(path: string): Promise<T>;
  post<T = unknown>(path: string, body?: unknown): Promise<T>;
  put<T = unknown>(path: string, body: unknown): Promise<T>;
  delete<T = unknown>(path: string): Promise<T>;
}

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

/** A thin JSON client for the control-plane API; every failure becomes a CliError with an exit code. */
export function createApiClient(baseUrl: string, token: string | undefined): ApiClient {
  const root = baseUrl.replace(/\/+$/, '');
  const call = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    if (!token) throw new CliError(EXIT.auth, 'no API token: set RFT_TOKEN or pass --token');
    let res: Response;
    try {
      res = await fetch(`${root}${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
    } catch (error) {
      const cause = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message;
      throw new CliError(EXIT.unreachable, `cannot reach the API at ${root} (${cause}); check RFT_API_URL (or --api-url)`);
    }
    const text = await res.text();
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : null;
    } catch {
      json = null;
    }
    if (!res.ok) {
      const err = (json as { error?: { message?: string; problems?: string[] } } | null)?.error;
      const message = err?.message ?? `${res.status} ${res.statusText}`;
      const hint = HINTS[res.status];
      throw new CliError(exitFor(res.status), hint ? `${message}\n(${hint})` : message, err?.problems ?? []);
    }
    return json as T;
  };
  return {
    baseUrl: root,
    get: (path) => call('GET', path),
    post: (path, body) => call('POST', path, body ?? {}),
    put: (path, body) => call('PUT', path, body),
    delete: (path) => call('DELETE', path),
  };
}
