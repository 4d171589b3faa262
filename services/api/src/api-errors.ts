import { InputError } from '@rft/contracts';

/** An error the API answers with its status and a message that says what to do. */
export type ApiErrorCode = 'unauthenticated' | 'forbidden' | 'invalid_request' | 'not_found' | 'conflict' | 'not_available' | 'internal';

const STATUS: Record<ApiErrorCode, number> = {
  unauthenticated: 401,
  forbidden: 403,
  invalid_request: 400,
  not_found: 404,
  conflict: 409,
  not_available: 501,
  internal: 500,
};

export class ApiError extends Error {
  override readonly name = 'ApiError';
  readonly code: ApiErrorCode;
  readonly status: number;
  readonly problems: readonly string[];
  constructor(code: ApiErrorCode, message: string, problems: readonly string[] = []) {
    super(message);
    this.code = code;
    this.status = STATUS[code];
    this.problems = problems;
  }
}

/** The body of every error response. */
export interface ApiErrorBody {
  error: { code: ApiErrorCode; message: string; problems?: readonly string[] };
}

export const notFound = (what: string, id: string) => new ApiError('not_found', `${what} ${JSON.stringify(id)} does not exist`);

/** The status and body answering any error thrown while handling a request. */
export function errorBody(error: unknown): { status: number; body: ApiErrorBody } {
  if (error instanceof ApiError) {
    return {
      status: error.status,
      body: { error: { code: error.code, message: error.message, ...(error.problems.length ? { problems: error.problems } : {}) } },
    };
  }
  if (error instanceof InputError) {
    return { status: 400, body: { error: { code: 'invalid_request', message: error.message, problems: error.problems } } };
  }
  const fastifyError = error as { statusCode?: number; code?: string; message?: string };
  if (fastifyError.statusCode && fastifyError.statusCode >= 400 && fastifyError.statusCode < 500) {
    const message =
      fastifyError.code === 'FST_ERR_CTP_BODY_TOO_LARGE'
        ? 'request body too large: upload the question file to the object store and pass "questionsKey"'
        : `body: ${fastifyError.message ?? 'invalid request'}`;
    return { status: fastifyError.statusCode, body: { error: { code: 'invalid_request', message } } };
  }
  return { status: 500, body: { error: { code: 'internal', message: 'internal error; the API log has the details' } } };
}
