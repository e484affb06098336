/**
 * Organization (tenant) routes, SPEC §3: create, list, read, update and delete. Core enforces
 * `admin:orgs` and lets an organization's own agents read it.
 *
 * @module
 */
import { schemas } from '@sentryagent/core'
import type { FastifyPluginAsync } from 'fastify'
import { requireContext } from '../request-context.js'
import { idParams, noContent, problemResponses } from '../route-schemas.js'

const tags = ['Organizations']
const params = idParams('organizationId')
type Params = { organizationId: string }

/**
 * Registers `POST|GET /organizations` and `GET|PATCH|DELETE /organizations/:organizationId`.
 *
 * @example
 * await scope.register(organizationRoutes, { prefix: '/api/v1' })
 */
export const organizationRoutes: FastifyPluginAsync = async (app) => {
  app.post<{ Body: schemas.CreateOrganizationBody }>(
    '/organizations',
    {
      schema: {
        tags,
        summary: 'Create an organization',
        body: schemas.CreateOrganizationBody,
        response: { 201: schemas.OrganizationView, ...problemResponses },
      },
    },
    async (req, reply) => {
      const org = await app.idp.organizations.create(requireContext(req), req.body)
      return reply.code(201).send(org)
    },
  )

  app.get<{ Querystring: schemas.ListQuery }>(
    '/organizations',
    {
      schema: {
        tags,
        summary: 'List organizations',
        querystring: schemas.ListQuery,
        response: { 200: schemas.PageOf(schemas.OrganizationView), ...problemResponses },
      },
    },
    async (req) => app.idp.organizations.list(requireContext(req), req.query),
  )

  app.get<{ Params: Params }>(
    '/organizations/:organizationId',
    {
      schema: { tags, summary: 'Get an organization', params, response: { 200: schemas.OrganizationView, ...problemResponses } },
    },
    async (req) => app.idp.organizations.get(requireContext(req), req.params.organizationId),
  )

  app.patch<{ Params: Params; Body: schemas.UpdateOrganizationBody }>(
    '/organizations/:organizationId',
    {
      schema: {
        tags,
        summary: 'Update an organization',
        params,
        body: schemas.UpdateOrganizationBody,
        response: { 200: schemas.OrganizationView, ...problemResponses },
      },
    },
    async (req) => app.idp.organizations.update(requireContext(req), req.params.organizationId, req.body),
  )

  app.delete<{ Params: Params }>(
    '/organizations/:organizationId',
    {
      schema: {
        tags,
        summary: 'Delete an organization (409 while it has active agents)',
        params,
        response: { ...noContent, ...problemResponses },
      },
    },
    async (req, reply) => {
      await app.idp.organizations.delete(requireContext(req), req.params.organizationId)
      return reply.code(204).send()
    },
  )
}
