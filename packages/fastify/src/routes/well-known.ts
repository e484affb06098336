/**
 * Discovery endpoints, SPEC §6: OpenID Provider configuration, RFC 8414 authorization server
 * metadata (the same document) and the JWKS (current key plus keys in their rotation grace period).
 *
 * @module
 */
import type { FastifyPluginAsync } from 'fastify'
import { openObject } from '../route-schemas.js'

const tags = ['Discovery']
const config = { public: true }
const str = { type: 'string' } as const

const DiscoverySchema = openObject(
  {
    issuer: str,
    token_endpoint: str,
    introspection_endpoint: str,
    revocation_endpoint: str,
    jwks_uri: str,
  },
  ['issuer', 'token_endpoint', 'jwks_uri'],
)

const JwksSchema = {
  type: 'object',
  properties: { keys: { type: 'array', items: { type: 'object', additionalProperties: true } } },
  required: ['keys'],
  additionalProperties: false,
} as const

/**
 * Registers `GET /.well-known/openid-configuration`, `GET /.well-known/oauth-authorization-server`
 * and `GET /.well-known/jwks.json`.
 *
 * @example
 * await scope.register(wellKnownRoutes)
 */
export const wellKnownRoutes: FastifyPluginAsync = async (app) => {
  for (const url of ['/.well-known/openid-configuration', '/.well-known/oauth-authorization-server']) {
    app.get(
      url,
      { config, schema: { tags, summary: 'Authorization server metadata', response: { 200: DiscoverySchema } } },
      async (_req, reply) => {
        void reply.header('cache-control', 'public, max-age=300')
        return app.idp.discovery()
      },
    )
  }

  app.get(
    '/.well-known/jwks.json',
    { config, schema: { tags, summary: 'Public signing keys (JWKS)', response: { 200: JwksSchema } } },
    async (_req, reply) => {
      // Short cache: a rotated-in key must reach verifiers well within the grace period.
      void reply.header('cache-control', 'public, max-age=60')
      return app.idp.jwks()
    },
  )
}
