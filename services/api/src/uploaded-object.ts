import { DEFAULT_API_OPTIONS, type ApiDeps } from './api-deps.ts';
import { ApiError } from './api-errors.ts';
import type { ApiPrincipal } from './auth.ts';

/**
 * Reads an object a request names by key (`field`: where the key sits in the request). Submitters
 * read only what they uploaded for their team (POST /v1/uploads); operators any object. The size is
 * checked before reading, since an object is otherwise read into memory whole. `what` names the
 * file in the size error, `advice` ends it.
 */
export async function readUploadedObject(
  deps: ApiDeps,
  principal: ApiPrincipal,
  field: string,
  key: string,
  words: { what: string; advice?: string },
): Promise<Uint8Array> {
  if (principal.role === 'submitter' && !key.startsWith(`uploads/${principal.team}/`)) {
    throw new ApiError('forbidden', `${field}: submitters use keys from POST /v1/uploads (under uploads/${principal.team}/)`);
  }
  const limit = uploadLimit(deps);
  let bytes: Uint8Array | null;
  try {
    const head = await deps.store.head(key);
    if (head && head.size > limit) throw new ApiError('invalid_request', tooLargeMessage(field, limit, words));
    bytes = head ? await deps.store.get(key) : null;
  } catch (error) {
    if (error instanceof ApiError) throw error;
    throw new ApiError('invalid_request', `${field}: cannot read ${JSON.stringify(key)}: ${(error as Error).message}`);
  }
  if (!bytes) throw new ApiError('invalid_request', `${field}: no object at ${JSON.stringify(key)}; upload ${words.what} first`);
  return bytes;
}

export function uploadLimit(deps: ApiDeps): number {
  return deps.options?.maxQuestionFileBytes ?? DEFAULT_API_OPTIONS.maxQuestionFileBytes;
}

export function tooLargeMessage(field: string, limit: number, words: { what: string; advice?: string }): string {
  return `${field}: ${words.what} is over the ${limit}-byte limit (API_MAX_QUESTION_FILE_BYTES)${words.advice ? `; ${words.advice}` : ''}`;
}
