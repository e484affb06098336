/**
 * `POST /oauth2/introspect` (RFC 7662). The caller authenticates as a client whose agent holds
 * `tokens:read`. Tokens of other organizations, expired, revoked or of inactive subjects are
 * `{ active: false }`, indistinguishable from garbage. `token_type_hint` never narrows the search.
 *
 * @module
 */
import type { Deps } from '../deps.js'
import { IdpError } from '../errors.js'
import type { IntrospectionResponse, OAuthRequest } from '../idp.js'
import { isTokenLive, verifyAccessTokenSignature } from '../tokens/verify-access-token.js'
import { authenticateClient } from './client-auth.js'
import { param } from './params.js'

export async function introspectToken(deps: Deps, req: OAuthRequest): Promise<IntrospectionResponse> {
  const token = param(req, 'token', true)
  const { agent } = await authenticateClient(deps, req)
  if (!agent.scopes.includes('tokens:read')) {
    throw new IdpError('INSUFFICIENT_SCOPE', 'Introspection requires the tokens:read scope')
  }
  // `token_type_hint` is only a hint: RFC 7662 §2.1 has the server extend its search to every type
  // it issues when the hinted one does not match. This server issues access tokens only, so every
  // token is looked up as one whatever the hint says. The hint is read only so that a repeated
  // parameter is still refused (RFC 6749 §3.2).
  param(req, 'token_type_hint')
  const claims = await verifyAccessTokenSignature(deps, token)
  if (claims === null || claims.organization_id !== agent.organizationId) return { active: false }
  if (!(await isTokenLive(deps, claims))) return { active: false }
  return { active: true, token_type: 'Bearer', ...claims }
}
