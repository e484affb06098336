/**
 * Maps errors raised by Fastify itself (schema validation, content-type parsing, body limits) and by
 * other plugins (`statusCode` 4xx) to the core's error table, so that one renderer serves them all.
 *
 * @module
 */
import { IdpError } from '@sentryagent/core'
import { toFieldErrors } from './field-errors.js'

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null

const VALIDATION_PARTS: Record<string, string> = {
  body: 'body',
  querystring: 'query string',
  params: 'path parameters',
  headers: 'headers',
}

const STATUS_CODES: Record<number, string> = {
  400: 'INVALID_REQUEST',
  401: 'INVALID_TOKEN',
  403: 'INSUFFICIENT_SCOPE',
  404: 'NOT_FOUND',
  405: 'METHOD_NOT_ALLOWED',
  409: 'CONFLICT',
  410: 'GONE',
  413: 'PAYLOAD_TOO_LARGE',
  414: 'URI_TOO_LONG',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  429: 'RATE_LIMITED',
}

/**
 * The `IdpError` equivalent of a Fastify (or http-errors style) error, or `undefined` when `err` is
 * not one (it then becomes a non-exposed `INTERNAL`).
 *
 * @example
 * const e = fromFastifyError(err) ?? toIdpError(err)
 */
export function fromFastifyError(err: unknown): IdpError<string> | undefined {
  if (err instanceof IdpError || !isRecord(err)) return undefined
  if (Array.isArray(err.validation)) {
    const part = typeof err.validationContext === 'string' ? err.validationContext : 'body'
    const errors = toFieldErrors(err.validation)
    return new IdpError('VALIDATION_ERROR', `Invalid ${VALIDATION_PARTS[part] ?? part}`, { cause: err, errors })
  }
  switch (err.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new IdpError('PAYLOAD_TOO_LARGE', 'Request body is too large', { cause: err })
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new IdpError('UNSUPPORTED_MEDIA_TYPE', 'Unsupported Content-Type', { cause: err })
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new IdpError('INVALID_REQUEST', 'Request body is empty but Content-Type is application/json', {
        cause: err,
      })
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return new IdpError('INVALID_REQUEST', 'Request body is not valid JSON', { cause: err })
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new IdpError('INVALID_REQUEST', 'Content-Length does not match the body', { cause: err })
  }
  const status = typeof err.statusCode === 'number' ? err.statusCode : undefined
  if (status === undefined || status < 400 || status >= 500) return undefined
  // The JSON parser raises a plain SyntaxError with statusCode 400; its message names the position
  // in the body, nothing else.
  if (err instanceof SyntaxError) return new IdpError('INVALID_REQUEST', 'Request body is not valid JSON', { cause: err })
  const code = STATUS_CODES[status] ?? 'INVALID_REQUEST'
  // 4xx errors of Fastify and http-errors carry client-facing messages; `expose: false` opts out.
  const detail = err.expose !== false && typeof err.message === 'string' ? err.message : undefined
  const retryAfter = isRecord(err.headers) ? Number(err.headers['retry-after']) : Number.NaN
  return new IdpError(code, detail, {
    cause: err,
    ...(Number.isFinite(retryAfter) ? { retryAfterSeconds: retryAfter } : {}),
  })
}
