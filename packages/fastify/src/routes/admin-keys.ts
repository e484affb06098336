/**
 * `POST /api/v1/admin/keys/rotate` (admin:orgs): rotates the IdP signing key with no downtime. The
 * new key is in the JWKS from now on and signs from `activatesAt`; the previous key keeps
 * verifying for the grace period.
 *
 * @module
 */
import type { FastifyPluginAsync } from 'fastify'
import { requireContext } from '../request-context.js'
import { problemResponses } from '../route-schemas.js'

const RotatedKeySchema = {
  type: 'object',
  properties: {
    kid: { type: 'string' },
    alg: { type: 'string' },
    activatesAt: { type: 'string', format: 'date-time' },
    trigger: { type: 'string', enum: ['api', 'scheduled'] },
  },
  required: ['kid', 'alg', 'activatesAt', 'trigger'],
  additionalProperties: false,
} as const

/**
 * Registers `POST /admin/keys/rotate` (under the REST prefix).
 *
 * @example
 * await scope.register(adminKeyRoutes, { prefix: '/api/v1' })
 */
export const adminKeyRoutes: FastifyPluginAsync = async (app) => {
  app.post(
    '/admin/keys/rotate',
    {
      schema: {
        tags: ['Operations'],
        summary: 'Rotate the IdP signing key (admin:orgs); published now, signs from activatesAt',
        response: { 200: RotatedKeySchema, ...problemResponses },
      },
    },
    async (req) => app.idp.signingKeys.rotate(requireContext(req)),
  )
}
