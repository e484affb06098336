/**
 * OAuth 2.0 protocol endpoints, SPEC §6: token (RFC 6749, also answered under the REST prefix),
 * introspection (RFC 7662) and revocation (RFC 7009). They accept only
 * `application/x-www-form-urlencoded` bodies of at most `bodyLimitBytes` (64 KiB by default: an
 * OAuth request is a few hundred bytes), authenticate the client inside core (so the bearer hook
 * skips them), render errors as RFC 6749 §5.2 JSON, and are never cached.
 *
 * @module
 */
import formbody from '@fastify/formbody'
import type { FastifyPluginAsync } from 'fastify'
import { claimedClientId } from '../limit-keys.js'
import { noStore } from '../no-store.js'
import { toOAuthRequest } from '../request-context.js'
import { formParams, oauthErrorResponses, openObject, TokenResponseSchema } from '../route-schemas.js'

/** Options of {@link oauthRoutes}. */
export interface OAuthRoutesOptions {
  /** REST prefix; the token endpoint is also answered at `<restPrefix>/token`. */
  restPrefix: string
  /** Largest accepted form body in bytes (larger → 413 `invalid_request`). */
  bodyLimitBytes: number
}

const tags = ['OAuth 2.0']
const config = { oauth: true, public: true }
const consumes = ['application/x-www-form-urlencoded']
// Client authentication goes in the body (client_secret_post, private_key_jwt) or in Basic auth.
const security: Array<Record<string, string[]>> = [{ clientSecretBasic: [] }, {}]

/**
 * Registers `POST /oauth2/token`, `POST <restPrefix>/token`, `POST /oauth2/introspect` and
 * `POST /oauth2/revoke`, in a scope whose only body parser is the form parser.
 *
 * @example
 * await scope.register(oauthRoutes, { restPrefix: '/api/v1' })
 */
export const oauthRoutes: FastifyPluginAsync<OAuthRoutesOptions> = async (app, opts) => {
  // JSON and every other media type answer 415 here; OAuth requests are form-encoded (RFC 6749 §3.2).
  app.removeAllContentTypeParsers()
  await app.register(formbody)
  // The claimed client id is checked before anything uses it (rate-limit keys, core, logs): at most
  // 255 characters, no control characters.
  app.addHook('preValidation', async (req) => {
    claimedClientId(req)
  })
  // RFC 6749 §5.1 and RFC 7662 §4: responses carrying tokens or token metadata must not be cached.
  app.addHook('onSend', async (_req, reply, payload) => {
    noStore(reply)
    return payload
  })

  const tokenSchema = {
    tags,
    summary: 'Token endpoint (client_credentials, token exchange)',
    consumes,
    security,
    body: formParams([
      'grant_type',
      'scope',
      'client_id',
      'client_secret',
      'client_assertion_type',
      'client_assertion',
      'subject_token',
      'subject_token_type',
      'actor_token',
      'actor_token_type',
      'audience',
      'resource',
    ]),
    response: { 200: TokenResponseSchema, ...oauthErrorResponses },
  }
  for (const url of ['/oauth2/token', `${opts.restPrefix}/token`]) {
    app.post(url, { config: { ...config, rateLimit: 'token' as const }, bodyLimit: opts.bodyLimitBytes, schema: tokenSchema }, async (req) =>
      app.idp.oauth.token(toOAuthRequest(req)),
    )
  }

  app.post(
    '/oauth2/introspect',
    {
      config: { ...config, rateLimit: 'introspect' as const },
      bodyLimit: opts.bodyLimitBytes,
      schema: {
        tags,
        summary: 'Token introspection (RFC 7662; requires tokens:read)',
        consumes,
        security,
        body: formParams(['token', 'token_type_hint', 'client_id', 'client_secret']),
        response: {
          200: openObject({ active: { type: 'boolean' }, token_type: { type: 'string' }, scope: { type: 'string' } }, [
            'active',
          ]),
          ...oauthErrorResponses,
        },
      },
    },
    async (req) => app.idp.oauth.introspect(toOAuthRequest(req)),
  )

  app.post(
    '/oauth2/revoke',
    {
      config: { ...config, rateLimit: 'revoke' as const },
      bodyLimit: opts.bodyLimitBytes,
      schema: {
        tags,
        summary: 'Token revocation (RFC 7009); 200 whether or not the token was valid',
        consumes,
        security,
        body: formParams(['token', 'token_type_hint', 'client_id', 'client_secret']),
        response: { 200: { description: 'Revoked (or unknown token)', type: 'null' }, ...oauthErrorResponses },
      },
    },
    async (req, reply) => {
      await app.idp.oauth.revoke(toOAuthRequest(req))
      return reply.code(200).send()
    },
  )
}
