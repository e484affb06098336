/**
 * Issues RFC 9068 JWT access tokens (`typ: at+jwt`).
 *
 * @module
 */
import type { Deps } from '../deps.js'
import type { AccessTokenClaims } from '../idp.js'
import { newId } from '../internal/crypto.js'
import type { Agent, Credential, Scope } from '../model.js'
import { signJws } from './jws.js'

/** Builds and signs an access token for `agent` authenticated with `credential`. */
export async function issueAccessToken(
  deps: Deps,
  agent: Agent,
  credential: Credential,
  scopes: readonly Scope[],
): Promise<{ token: string; claims: AccessTokenClaims }> {
  const iat = Math.floor(deps.clock().getTime() / 1000)
  const claims: AccessTokenClaims = {
    iss: deps.opts.issuer,
    sub: agent.agentId,
    aud: deps.opts.tokens.audience,
    client_id: credential.clientId,
    scope: scopes.join(' '),
    agent_id: agent.agentId,
    organization_id: agent.organizationId,
    iat,
    exp: iat + deps.opts.tokens.accessTokenTtlSeconds,
    jti: newId(),
    credential_id: credential.credentialId,
    credential_generation: credential.generation,
  }
  const token = await signJws(await deps.keys.current(), { typ: 'at+jwt' }, { ...claims })
  return { token, claims }
}
