/**
 * Agent routes, SPEC §4: register, list, read, update and decommission. Core enforces
 * `agents:read` / `agents:write` and the caller's organization.
 *
 * @module
 */
import { schemas } from '@sentryagent/core'
import type { FastifyPluginAsync } from 'fastify'
import { requireContext } from '../request-context.js'
import { idParams, noContent, problemResponses } from '../route-schemas.js'

const tags = ['Agents']
const params = idParams('agentId')
type Params = { agentId: string }

/**
 * Registers `POST|GET /agents` and `GET|PATCH|DELETE /agents/:agentId`.
 *
 * @example
 * await scope.register(agentRoutes, { prefix: '/api/v1' })
 */
export const agentRoutes: FastifyPluginAsync = async (app) => {
  app.post<{ Body: schemas.RegisterAgentBody }>(
    '/agents',
    {
      schema: {
        tags,
        summary: 'Register an agent',
        body: schemas.RegisterAgentBody,
        response: { 201: schemas.AgentView, ...problemResponses },
      },
    },
    async (req, reply) => {
      const agent = await app.idp.agents.register(requireContext(req), req.body)
      return reply.code(201).send(agent)
    },
  )

  app.get<{ Querystring: schemas.ListAgentsQuery }>(
    '/agents',
    {
      schema: {
        tags,
        summary: 'List agents of the caller’s organization',
        querystring: schemas.ListAgentsQuery,
        response: { 200: schemas.PageOf(schemas.AgentView), ...problemResponses },
      },
    },
    async (req) => app.idp.agents.list(requireContext(req), req.query),
  )

  app.get<{ Params: Params }>(
    '/agents/:agentId',
    { schema: { tags, summary: 'Get an agent', params, response: { 200: schemas.AgentView, ...problemResponses } } },
    async (req) => app.idp.agents.get(requireContext(req), req.params.agentId),
  )

  app.patch<{ Params: Params; Body: schemas.UpdateAgentBody }>(
    '/agents/:agentId',
    {
      schema: {
        tags,
        summary: 'Update an agent’s metadata or status (active ↔ suspended)',
        params,
        body: schemas.UpdateAgentBody,
        response: { 200: schemas.AgentView, ...problemResponses },
      },
    },
    async (req) => app.idp.agents.update(requireContext(req), req.params.agentId, req.body),
  )

  app.delete<{ Params: Params }>(
    '/agents/:agentId',
    {
      schema: {
        tags,
        summary: 'Decommission an agent (irreversible: credentials revoked, tokens rejected)',
        params,
        response: { ...noContent, ...problemResponses },
      },
    },
    async (req, reply) => {
      await app.idp.agents.decommission(requireContext(req), req.params.agentId)
      return reply.code(204).send()
    },
  )
}
