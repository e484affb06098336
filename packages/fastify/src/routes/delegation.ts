/**
 * Delegation routes, SPEC §8: create a delegation (`POST /oauth2/token/delegate`), verify a
 * delegation token (`POST /oauth2/token/verify-delegation`) and revoke a chain with its
 * sub-delegations (`DELETE /oauth2/token/delegate/{chainId}`), each also under the REST prefix.
 * They are Bearer-protected JSON endpoints: errors are problem+json. The delegatee turns a
 * delegation token into an access token at `/oauth2/token` (RFC 8693 token exchange).
 *
 * @module
 */
import { schemas } from '@sentryagent/core'
import type { FastifyPluginAsync } from 'fastify'
import { noStore } from '../no-store.js'
import { requireContext } from '../request-context.js'
import { idParams, noContent, problemResponses } from '../route-schemas.js'

/** Options of {@link delegationRoutes}. */
export interface DelegationRoutesOptions {
  /** REST prefix; every route is also answered under it. */
  restPrefix: string
}

const tags = ['Delegation']

/**
 * Registers the delegation routes at `/oauth2/token/…` and `<restPrefix>/oauth2/token/…`.
 *
 * @example
 * await scope.register(delegationRoutes, { restPrefix: '/api/v1' })
 */
export const delegationRoutes: FastifyPluginAsync<DelegationRoutesOptions> = async (app, opts) => {
  // JSON only, like the rest of the REST API: other media types are 415.
  app.removeContentTypeParser(['text/plain'])
  // Responses carry bearer-equivalent delegation tokens: never cache them.
  app.addHook('onSend', async (_req, reply, payload) => {
    noStore(reply)
    return payload
  })

  for (const base of ['', opts.restPrefix]) {
    app.post<{ Body: schemas.CreateDelegationBody }>(
      `${base}/oauth2/token/delegate`,
      {
        schema: {
          tags,
          summary: 'Delegate a subset of the caller’s scopes to another agent (delegation:write)',
          description:
            'Called with a token obtained by token exchange, this is a re-delegation: allowed only while the ' +
            'chain’s maxDepth allows, with scopes ⊆ and expiry ≤ the parent delegation’s.',
          body: schemas.CreateDelegationBody,
          response: { 201: schemas.DelegationView, ...problemResponses },
        },
      },
      async (req, reply) => {
        const created = await app.idp.delegation.create(requireContext(req), req.body)
        return reply.code(201).send(created)
      },
    )

    app.post<{ Body: schemas.VerifyDelegationBody }>(
      `${base}/oauth2/token/verify-delegation`,
      {
        schema: {
          tags,
          summary: 'Verify a delegation token ({ valid: false } for expired, revoked or unknown ones)',
          body: schemas.VerifyDelegationBody,
          response: { 200: schemas.DelegationVerificationView, ...problemResponses },
        },
      },
      async (req) => app.idp.delegation.verify(requireContext(req), req.body),
    )

    app.delete<{ Params: { chainId: string } }>(
      `${base}/oauth2/token/delegate/:chainId`,
      {
        schema: {
          tags,
          summary: 'Revoke a delegation and every sub-delegation and token derived from it',
          params: idParams('chainId'),
          response: { ...noContent, ...problemResponses },
        },
      },
      async (req, reply) => {
        await app.idp.delegation.revoke(requireContext(req), req.params.chainId)
        return reply.code(204).send()
      },
    )
  }
}
