/**
 * `POST /oauth2/revoke` (RFC 7009). Always 200 for an authenticated client: an unknown, invalid or
 * foreign token is not an error (§2.2). A client may revoke tokens issued to its own agent, or any
 * token of its organization when its agent holds `agents:write`. Revocation is durable (storage)
 * and cached in the ephemeral store with a TTL equal to the token's remaining lifetime.
 *
 * @module
 */
import type { Deps } from '../deps.js'
import type { OAuthRequest } from '../context.js'
import { revokedKey, verifyAccessTokenSignature } from '../tokens/verify-access-token.js'
import { authenticateClient } from './client-auth.js'
import { param } from './params.js'

export async function revokeToken(deps: Deps, req: OAuthRequest): Promise<void> {
  const token = param(req, 'token', true)
  const { agent } = await authenticateClient(deps, req)
  const claims = await verifyAccessTokenSignature(deps, token)
  if (claims === null || claims.organization_id !== agent.organizationId) return
  // A delegated token (RFC 8693) was issued to its actor's client: the actor may revoke it too.
  const holder = claims.act?.sub ?? claims.sub
  if (claims.sub !== agent.agentId && holder !== agent.agentId && !agent.scopes.includes('agents:write')) return
  const now = deps.clock()
  const expiresAt = new Date(claims.exp * 1000)
  if (await deps.storage.revocations.isRevoked(claims.jti)) return
  // Group commit: the revocation row and its token.revoked event commit together.
  await deps.auditBatcher.append(
    {
      organizationId: claims.organization_id,
      action: 'token.revoked',
      actor: agent.agentId,
      agentId: claims.sub,
      ip: req.ip,
      details: { jti: claims.jti, clientId: claims.client_id },
    },
    (tx) => tx.revocations.insert({ jti: claims.jti, organizationId: claims.organization_id, expiresAt, revokedAt: now }),
  )
  const ttl = Math.ceil((expiresAt.getTime() - now.getTime()) / 1000)
  // The revocation is already durable; the cache only speeds up checks, so its outage is not an error.
  if (ttl > 0) {
    await deps.ephemeral.set(revokedKey(claims.jti), '1', ttl).catch((err: unknown) => {
      deps.log.warn({ err, event: 'ephemeral.unavailable' }, 'could not cache the revocation')
    })
  }
}
