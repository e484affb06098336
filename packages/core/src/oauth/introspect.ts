/**
 * `POST /oauth2/introspect` (RFC 7662). The caller authenticates as a client whose agent holds
 * `tokens:read`. Tokens of other organizations, expired, revoked or of inactive subjects are
 * `{ active: false }`, indistinguishable from garbage.
 *
 * @module
 */
import type { Deps } from '../deps.js'
import { IdpError } from '../errors.js'
import type { IntrospectionResponse, OAuthRequest } from '../context.js'
import { isTokenLive, verifyAccessTokenSignature } from '../tokens/verify-access-token.js'
import { authenticateClient } from './client-auth.js'
import { param } from './params.js'

export async function introspectToken(deps: Deps, req: OAuthRequest): Promise<IntrospectionResponse> {
  const token = param(req, 'token', true)
  const { agent } = await authenticateClient(deps, req)
  if (!agent.scopes.includes('tokens:read')) {
    throw new IdpError('INSUFFICIENT_SCOPE', 'Introspection requires the tokens:read scope')
  }
  const hint = param(req, 'token_type_hint')
  if (hint !== undefined && hint !== 'access_token') return { active: false }
  const claims = await verifyAccessTokenSignature(deps, token)
  if (claims === null || claims.organization_id !== agent.organizationId) return { active: false }
  if (!(await isTokenLive(deps, claims))) return { active: false }
  return { active: true, token_type: 'Bearer', ...claims }
}
