/**
 * Small JSON Schema builders shared by the route files: path parameters, documented error
 * responses, and the binding's own protocol response shapes (plain JSON Schema, since they describe
 * standards' payloads rather than core's REST views).
 *
 * @module
 */
import { MAX_CLIENT_ID_LENGTH, schemas } from '@sentryagent/core'

/**
 * Schema of path parameters, each an id.
 *
 * @example
 * schema: { params: idParams('agentId', 'credentialId') }
 */
export function idParams<const K extends string>(...names: K[]) {
  return {
    type: 'object',
    properties: Object.fromEntries(names.map((n) => [n, schemas.Id])),
    required: names,
    additionalProperties: false,
  } as const
}

/** `schema` without its `$id`, so that one shape can be inlined in many routes. */
function inline<T extends { $id?: string }>(schema: T): Omit<T, '$id'> {
  const { $id: _id, ...rest } = schema
  return rest
}

/** Documented error responses of REST routes (problem+json). */
export const problemResponses: Readonly<Record<'4xx' | '5xx', object>> = {
  '4xx': {
    description: 'Problem details (RFC 9457)',
    content: { 'application/problem+json': { schema: inline(schemas.ProblemSchema) } },
  },
  '5xx': {
    description: 'Problem details (RFC 9457); no internals',
    content: { 'application/problem+json': { schema: inline(schemas.ProblemSchema) } },
  },
}

/** Documented error responses of OAuth routes (RFC 6749 §5.2). */
export const oauthErrorResponses: Readonly<Record<'4xx' | '5xx', object>> = {
  '4xx': { description: 'OAuth 2.0 error (RFC 6749 §5.2)', ...inline(schemas.OAuthErrorSchema) },
  '5xx': { description: 'server_error / temporarily_unavailable', ...inline(schemas.OAuthErrorSchema) },
}

/** `204 No Content`. */
export const noContent = { 204: { description: 'No content', type: 'null' } } as const

/** An object whose listed properties are documented and whose other properties pass through. */
export function openObject(properties: Record<string, object>, required: readonly string[] = []) {
  return { type: 'object', properties, required, additionalProperties: true } as const
}

/** RFC 6749 §5.1 token response. */
export const TokenResponseSchema = {
  type: 'object',
  properties: {
    access_token: { type: 'string' },
    token_type: { type: 'string', enum: ['Bearer'] },
    expires_in: { type: 'integer' },
    scope: { type: 'string' },
    issued_token_type: { type: 'string', description: 'RFC 8693 §2.2.1 (token exchange only)' },
  },
  required: ['access_token', 'token_type', 'expires_in', 'scope'],
  additionalProperties: false,
} as const

/**
 * Form parameters of the OAuth endpoints. Core validates them; the schema documents them, and the
 * binding's input rules (no NUL, no lone surrogate) and the `client_id` cap apply here already.
 */
export function formParams(names: readonly string[]) {
  return {
    type: 'object',
    properties: Object.fromEntries(
      names.map((n) => [n, n === 'client_id' ? { type: 'string', maxLength: MAX_CLIENT_ID_LENGTH } : { type: 'string' }]),
    ),
    additionalProperties: true,
  } as const
}
