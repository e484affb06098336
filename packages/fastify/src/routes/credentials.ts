/**
 * Credential routes, SPEC §5: generate, list, rotate and revoke an agent's client credentials. The
 * client secret appears only in the responses of generate and rotate, which no cache may keep; the
 * response schemas of the other routes cannot serialize it.
 *
 * @module
 */
import { schemas } from '@sentryagent/core'
import type { FastifyPluginAsync, preValidationAsyncHookHandler } from 'fastify'
import { noStore } from '../no-store.js'
import { requireContext } from '../request-context.js'
import { idParams, noContent, problemResponses } from '../route-schemas.js'

const tags = ['Credentials']

/** A POST without a body means "no options": validate it as `{}`. */
const emptyBodyAsObject: preValidationAsyncHookHandler = async (req) => {
  if (req.body === undefined || req.body === null) req.body = {}
}

/**
 * Registers `POST|GET /agents/:agentId/credentials`,
 * `POST /agents/:agentId/credentials/:credentialId/rotate` and
 * `DELETE /agents/:agentId/credentials/:credentialId`.
 *
 * @example
 * await scope.register(credentialRoutes, { prefix: '/api/v1' })
 */
export const credentialRoutes: FastifyPluginAsync = async (app) => {
  app.post<{ Params: { agentId: string }; Body: schemas.CreateCredentialBody }>(
    '/agents/:agentId/credentials',
    {
      preValidation: emptyBodyAsObject,
      schema: {
        tags,
        summary: 'Generate a credential (the secret is shown only in this response)',
        params: idParams('agentId'),
        body: schemas.CreateCredentialBody,
        response: { 201: schemas.CredentialWithSecretView, ...problemResponses },
      },
    },
    async (req, reply) => {
      const cred = await app.idp.credentials.generate(requireContext(req), req.params.agentId, req.body)
      return noStore(reply).code(201).send(cred)
    },
  )

  app.get<{ Params: { agentId: string } }>(
    '/agents/:agentId/credentials',
    {
      schema: {
        tags,
        summary: 'List an agent’s credentials (no secrets)',
        params: idParams('agentId'),
        response: {
          200: {
            type: 'object',
            properties: { items: { type: 'array', items: schemas.CredentialView } },
            required: ['items'],
            additionalProperties: false,
          },
          ...problemResponses,
        },
      },
    },
    async (req) => app.idp.credentials.list(requireContext(req), req.params.agentId),
  )

  app.post<{ Params: { agentId: string; credentialId: string } }>(
    '/agents/:agentId/credentials/:credentialId/rotate',
    {
      schema: {
        tags,
        summary: 'Rotate a credential: new secret; the old one and its tokens stop working',
        params: idParams('agentId', 'credentialId'),
        response: { 200: schemas.CredentialWithSecretView, ...problemResponses },
      },
    },
    async (req, reply) => {
      const cred = await app.idp.credentials.rotate(requireContext(req), req.params.agentId, req.params.credentialId)
      return noStore(reply).send(cred)
    },
  )

  app.delete<{ Params: { agentId: string; credentialId: string } }>(
    '/agents/:agentId/credentials/:credentialId',
    {
      schema: {
        tags,
        summary: 'Revoke a credential and its tokens',
        params: idParams('agentId', 'credentialId'),
        response: { ...noContent, ...problemResponses },
      },
    },
    async (req, reply) => {
      await app.idp.credentials.revoke(requireContext(req), req.params.agentId, req.params.credentialId)
      return reply.code(204).send()
    },
  )
}
