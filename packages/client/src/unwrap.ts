/**
 * From the typed REST layer's `{ data, error, response }` to a value or an {@link IdpApiError}.
 *
 * @module
 */
import type { IdpApiError } from './idp-api-error.js'
import { apiErrorFrom } from './internal/read-api-error.js'

/** What a call of the typed REST layer (`client.api.GET(…)`) resolves to. */
export interface ApiResult<T> {
  data?: T
  error?: unknown
  response: Response
}

/**
 * The data of a successful call; throws the {@link IdpApiError} of any other answer. Covers every
 * route of the generated types, including those of plugins.
 *
 * @throws {IdpApiError} when the server answered an error.
 * @example
 * const page = await unwrap(client.api.GET('/api/v1/agents', { params: { query: { limit: 5 } } }))
 */
export async function unwrap<T>(call: Promise<ApiResult<T>>): Promise<T> {
  const { data, error, response } = await call
  if (!response.ok) throw toError(response, error)
  if (data === undefined) throw new TypeError(`${response.url}: the response has no body`)
  return data
}

/**
 * Like {@link unwrap} for calls answered `204 No Content`.
 *
 * @throws {IdpApiError} when the server answered an error.
 */
export async function unwrapEmpty(call: Promise<ApiResult<unknown>>): Promise<void> {
  const { error, response } = await call
  if (!response.ok) throw toError(response, error)
}

const toError = (response: Response, error: unknown): IdpApiError => apiErrorFrom(response, error)
