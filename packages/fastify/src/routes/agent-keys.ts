/**
 * Agent key routes, SPEC §4: register a public JWK (or have the server generate a pair whose
 * private JWK appears only in the 201 response), list keys, remove a key. Core enforces
 * `agents:write` / `agents:read` and the caller's organization.
 *
 * @module
 */
import { schemas } from '@sentryagent/core'
import type { FastifyPluginAsync, preValidationAsyncHookHandler } from 'fastify'
import { noStore } from '../no-store.js'
import { requireContext } from '../request-context.js'
import { idParams, noContent, problemResponses } from '../route-schemas.js'

const tags = ['Agent keys']

/** A POST without a body means "generate a key pair": validate it as `{}`. */
const emptyBodyAsObject: preValidationAsyncHookHandler = async (req) => {
  if (req.body === undefined || req.body === null) req.body = {}
}

const keyParams = {
  type: 'object',
  properties: { agentId: schemas.Id, kid: schemas.KeyIdParam },
  required: ['agentId', 'kid'],
  additionalProperties: false,
} as const

/**
 * Registers `POST|GET /agents/:agentId/keys` and `DELETE /agents/:agentId/keys/:kid`.
 *
 * @example
 * await scope.register(agentKeyRoutes, { prefix: '/api/v1' })
 */
export const agentKeyRoutes: FastifyPluginAsync = async (app) => {
  app.post<{ Params: { agentId: string }; Body: schemas.AddAgentKeyBody }>(
    '/agents/:agentId/keys',
    {
      preValidation: emptyBodyAsObject,
      schema: {
        tags,
        summary: 'Add a key: `{ publicJwk }` registers it; `{}` generates a pair (private JWK shown only here)',
        params: idParams('agentId'),
        body: schemas.AddAgentKeyBody,
        response: { 201: schemas.AgentKeyWithPrivateView, ...problemResponses },
      },
    },
    async (req, reply) => {
      const key = await app.idp.agentKeys.add(requireContext(req), req.params.agentId, req.body)
      // The response may carry a private key: never let a cache keep it.
      return noStore(reply).code(201).send(key)
    },
  )

  app.get<{ Params: { agentId: string } }>(
    '/agents/:agentId/keys',
    {
      schema: {
        tags,
        summary: 'List an agent’s public keys (active and removed)',
        params: idParams('agentId'),
        response: {
          200: {
            type: 'object',
            properties: { items: { type: 'array', items: schemas.AgentKeyView } },
            required: ['items'],
            additionalProperties: false,
          },
          ...problemResponses,
        },
      },
    },
    async (req) => app.idp.agentKeys.list(requireContext(req), req.params.agentId),
  )

  app.delete<{ Params: { agentId: string; kid: string } }>(
    '/agents/:agentId/keys/:kid',
    {
      schema: {
        tags,
        summary: 'Remove a key: it leaves the DID document and authenticates nothing from now on',
        params: keyParams,
        response: { ...noContent, ...problemResponses },
      },
    },
    async (req, reply) => {
      await app.idp.agentKeys.remove(requireContext(req), req.params.agentId, req.params.kid)
      return reply.code(204).send()
    },
  )
}
