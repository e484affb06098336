/**
 * Issues RFC 9068 JWT access tokens (`typ: at+jwt`).
 *
 * @module
 */
import type { Deps } from '../deps.js'
import type { AccessTokenClaims } from '../idp.js'
import { newId } from '../internal/crypto.js'
import type { Agent, AgentKey, Credential, Scope } from '../model.js'
import { signJws } from './jws.js'

/**
 * Builds and signs an access token for `agent` authenticated with `credential` (a client secret) or
 * with one of its keys (`private_key_jwt`: `client_id` is the agent id and the token is bound to the
 * key's `kid` instead of a credential, so removing the key rejects the token).
 */
export async function issueAccessToken(
  deps: Deps,
  agent: Agent,
  credential: Credential | AgentKey,
  scopes: readonly Scope[],
): Promise<{ token: string; claims: AccessTokenClaims }> {
  const iat = Math.floor(deps.clock().getTime() / 1000)
  const claims: AccessTokenClaims = {
    iss: deps.opts.issuer,
    sub: agent.agentId,
    aud: deps.opts.tokens.audience,
    client_id: 'clientId' in credential ? credential.clientId : agent.agentId,
    scope: scopes.join(' '),
    agent_id: agent.agentId,
    organization_id: agent.organizationId,
    iat,
    exp: iat + deps.opts.tokens.accessTokenTtlSeconds,
    jti: newId(),
    ...('credentialId' in credential
      ? { credential_id: credential.credentialId, credential_generation: credential.generation }
      : { agent_key_id: credential.kid }),
  }
  const token = await signJws(await deps.keys.current(), { typ: 'at+jwt' }, { ...claims })
  return { token, claims }
}
