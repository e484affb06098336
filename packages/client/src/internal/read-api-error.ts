/**
 * Turns a non-success response into an {@link IdpApiError}: problem+json (`code`, `detail`,
 * `requestId`, `errors`), an OAuth error body (`error`, `error_description`), or — for anything
 * else, such as a proxy's HTML page — a code derived from the status. Never includes the body of an
 * unknown response in the message (it may echo secrets).
 *
 * @module
 */
import { IdpApiError, type IdpFieldError } from '../idp-api-error.js'
import { parseRetryAfter } from './retry.js'

const STATUS_CODES: Record<number, string> = {
  400: 'INVALID_REQUEST',
  401: 'INVALID_TOKEN',
  403: 'INSUFFICIENT_SCOPE',
  404: 'NOT_FOUND',
  409: 'CONFLICT',
  410: 'GONE',
  413: 'PAYLOAD_TOO_LARGE',
  429: 'RATE_LIMITED',
  503: 'DEPENDENCY_UNAVAILABLE',
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined)

function fieldErrors(v: unknown): IdpFieldError[] | undefined {
  if (!Array.isArray(v)) return undefined
  return v.filter(isRecord).map((e) => ({ field: str(e['field']) ?? '/', message: str(e['message']) ?? '' }))
}

/**
 * The error for `response`, whose body was already parsed (`body`: JSON value, text or undefined).
 *
 * @example
 * if (!res.ok) throw apiErrorFrom(res, await res.json().catch(() => undefined))
 */
export function apiErrorFrom(response: Response, body: unknown, now: Date = new Date()): IdpApiError {
  const status = response.status
  const requestId = response.headers.get('x-request-id') ?? undefined
  const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'), now)
  const retryAfterSeconds = retryAfterMs === undefined ? undefined : Math.ceil(retryAfterMs / 1000)
  if (isRecord(body) && typeof body['code'] === 'string') {
    return new IdpApiError({
      code: body['code'],
      status,
      detail: str(body['detail']) ?? str(body['title']) ?? `HTTP ${status}`,
      requestId: str(body['requestId']) ?? requestId,
      errors: fieldErrors(body['errors']),
      retryAfterSeconds,
    })
  }
  if (isRecord(body) && typeof body['error'] === 'string') {
    return new IdpApiError({
      code: body['error'].toUpperCase(),
      status,
      detail: str(body['error_description']) ?? body['error'],
      requestId,
      oauthError: body['error'],
      retryAfterSeconds,
    })
  }
  return new IdpApiError({
    code: STATUS_CODES[status] ?? (status >= 500 ? 'INTERNAL' : 'HTTP_ERROR'),
    status,
    detail: `HTTP ${status}${response.statusText === '' ? '' : ` ${response.statusText}`}`,
    requestId,
    retryAfterSeconds,
  })
}

/** Reads the body of a non-success `response` and returns its {@link IdpApiError}. */
export async function readApiError(response: Response): Promise<IdpApiError> {
  const text = await response.text().catch(() => '')
  let body: unknown = text
  try {
    body = JSON.parse(text)
  } catch {
    // not JSON: handled as an unknown body
  }
  return apiErrorFrom(response, body)
}
