import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import { InputError } from '@rft/contracts';

/** An error the API answers with its status and a message that says what to do. */
export type ApiErrorCode =
  | 'unauthenticated'
  | 'forbidden'
  | 'invalid_request'
  | 'not_found'
  | 'conflict'
  | 'payload_too_large'
  | 'uri_too_long'
  | 'unsupported_media_type'
  | 'not_available'
  | 'internal';

const STATUS: Record<ApiErrorCode, number> = {
  unauthenticated: 401,
  forbidden: 403,
  invalid_request: 400,
  not_found: 404,
  conflict: 409,
  payload_too_large: 413,
  uri_too_long: 414,
  unsupported_media_type: 415,
  not_available: 501,
  internal: 500,
};

export class ApiError extends Error {
  override readonly name = 'ApiError';
  readonly code: ApiErrorCode;
  readonly status: number;
  /** `field: problem` lines; a single-problem error repeats its message here. */
  readonly problems: readonly string[];
  constructor(code: ApiErrorCode, message: string, problems: readonly string[] = []) {
    super(message);
    this.code = code;
    this.status = STATUS[code];
    this.problems = problems.length ? problems : [message];
  }
}

/**
 * The body of every error response, whatever its status (400-415, 5xx) and whoever produced it
 * (a route, the body parser, the router, the HTTP parser): a code, a message, and the problems as
 * `field: problem` lines.
 */
export interface ApiErrorBody {
  error: { code: ApiErrorCode; message: string; problems: readonly string[] };
}

export const notFound = (what: string, id: string) => new ApiError('not_found', `${what} ${JSON.stringify(id)} does not exist`);

const bodyOf = (error: ApiError): ApiErrorBody => ({ error: { code: error.code, message: error.message, problems: error.problems } });

/** A URL as it may be echoed in an error: without its query, and cut short. */
export const shownPath = (url: string) => {
  const path = url.split('?')[0] ?? '';
  return path.length > 200 ? `${path.slice(0, 200)}...` : path;
};

/** Fastify's own errors (body parser, router), rephrased as `field: problem`. */
function fromFastify(error: { statusCode: number; code?: string; message?: string }): ApiError {
  const detail = error.message ?? 'invalid request';
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new ApiError(
        'payload_too_large',
        'body: request body over the size limit of this route; post a large question file through POST /v1/uploads and pass "questionsKey"',
      );
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new ApiError('unsupported_media_type', `headers.content-type: ${detail}; send application/json`);
    case 'FST_ERR_MAX_PARAM_LENGTH':
      return new ApiError('uri_too_long', 'url: a path parameter is over the length limit');
    case 'FST_ERR_BAD_URL':
      return new ApiError('invalid_request', 'url: not a valid URL (bad percent-encoding)');
  }
  if (error.statusCode === 413) return new ApiError('payload_too_large', `body: ${detail}`);
  if (error.statusCode === 415) return new ApiError('unsupported_media_type', `headers.content-type: ${detail}`);
  return new ApiError('invalid_request', `body: ${detail}`);
}

/** The status and body answering any error thrown while handling a request. */
export function errorBody(error: unknown): { status: number; body: ApiErrorBody } {
  if (error instanceof ApiError) return { status: error.status, body: bodyOf(error) };
  if (error instanceof InputError) {
    return { status: 400, body: { error: { code: 'invalid_request', message: error.message, problems: error.problems } } };
  }
  const fastifyError = error as { statusCode?: number; code?: string; message?: string };
  if (fastifyError.statusCode && fastifyError.statusCode >= 400 && fastifyError.statusCode < 500) {
    const apiError = fromFastify({ ...fastifyError, statusCode: fastifyError.statusCode });
    return { status: fastifyError.statusCode, body: bodyOf(apiError) };
  }
  return { status: 500, body: bodyOf(new ApiError('internal', 'internal error; the API log has the details')) };
}

/**
 * Answers a request the HTTP parser refused (headers too large, malformed request line, timeout)
 * in the same format, then closes the connection: the stream cannot be trusted any more.
 */
export function answerClientError(error: Error & { code?: string }, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, apiError] =
    error.code === 'HPE_HEADER_OVERFLOW'
      ? [431, new ApiError('invalid_request', 'headers: request line or headers over the size limit')]
      : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [408, new ApiError('invalid_request', 'request: not received in time')]
        : [400, new ApiError('invalid_request', `request: malformed HTTP (${error.code ?? 'parse error'})`)];
  const body = JSON.stringify(bodyOf(apiError));
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}
