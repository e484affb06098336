/**
 * `POST /oauth2/token`: the `client_credentials` grant (RFC 6749 §4.4) issuing RFC 9068 access
 * tokens. Requested scopes must be a subset of the agent's allowed scopes; no `scope` means all.
 *
 * @module
 */
import { isScope } from '../authz/scopes.js'
import type { Deps } from '../deps.js'
import { IdpError } from '../errors.js'
import type { OAuthRequest, TokenResponse } from '../idp.js'
import type { Scope } from '../model.js'
import { exchangeDelegationToken, TOKEN_EXCHANGE_GRANT_TYPE } from '../delegation/exchange-delegation-token.js'
import { issueAccessToken } from '../tokens/issue-access-token.js'
import { authenticateClient } from './client-auth.js'
import { param } from './params.js'

/** Grant types this server accepts; discovery advertises the same list. */
export const GRANT_TYPES_SUPPORTED = ['client_credentials', TOKEN_EXCHANGE_GRANT_TYPE] as const

/** Parses a `scope` parameter against the allowed scopes. @throws {IdpError} INVALID_SCOPE */
export function narrowScopes(requested: string | undefined, allowed: readonly Scope[]): Scope[] {
  if (requested === undefined) return [...allowed]
  const asked = [...new Set(requested.split(' ').filter((s) => s !== ''))]
  const denied = asked.filter((s) => !isScope(s) || !allowed.includes(s))
  if (asked.length === 0 || denied.length > 0) {
    throw new IdpError('INVALID_SCOPE', 'The requested scope exceeds the scopes granted to this client')
  }
  return asked.filter(isScope)
}

/** Handles a token request. @throws {IdpError} with an OAuth mapping on every failure. */
export async function handleTokenRequest(deps: Deps, req: OAuthRequest): Promise<TokenResponse> {
  const grantType = param(req, 'grant_type', true)
  if (!(GRANT_TYPES_SUPPORTED as readonly string[]).includes(grantType)) {
    throw new IdpError('UNSUPPORTED_GRANT_TYPE', `Unsupported grant_type`)
  }
  const client = await authenticateClient(deps, req)
  // RFC 8693 delegation (SPEC §8): the client is the delegatee; the grant checks the rest.
  if (grantType === TOKEN_EXCHANGE_GRANT_TYPE) return exchangeDelegationToken(deps, req, client)
  const { agent, credential, key, clientId, method } = client
  const scopes = narrowScopes(param(req, 'scope'), agent.scopes)
  const { token, claims } = await issueAccessToken(deps, agent, credential ?? key, scopes)
  // Group commit: the response goes out only after the token.issued event is durable.
  await deps.auditBatcher.append({
    organizationId: agent.organizationId,
    action: 'token.issued',
    actor: agent.agentId,
    agentId: agent.agentId,
    ip: req.ip,
    details: { jti: claims.jti, clientId, ...(key === null ? {} : { kid: key.kid }), grantType, scope: claims.scope, authMethod: method, expiresAt: claims.exp },
  })
  return {
    access_token: token,
    token_type: 'Bearer',
    expires_in: deps.opts.tokens.accessTokenTtlSeconds,
    scope: claims.scope,
  }
}
