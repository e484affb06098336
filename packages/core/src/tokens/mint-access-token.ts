/**
 * The one place an access token is built: RFC 9068 JWTs (`typ: at+jwt`) for every grant — client
 * credentials, delegation token exchange, and extensions' grants. What the token binds to decides
 * how its liveness is checked later (`isTokenLive`).
 *
 * @module
 */
import type { AccessTokenClaims, ActClaim } from '../context.js'
import type { Deps } from '../deps.js'
import { IdpError } from '../errors.js'
import type { JsonValue, TokenBinding } from '../extensions/extension.js'
import { newId } from '../internal/crypto.js'
import type { Agent } from '../model.js'
import { signJws } from './jws.js'

/** What {@link mintAccessToken} builds a token from. */
export interface MintInput {
  subject: Agent
  clientId: string
  /** An extension binding carries its owner's id (`<extension>:<id>` in `ext_binding`). */
  binding: Exclude<TokenBinding, { kind: 'extension' }> | { kind: 'extension'; owner: string; id: string }
  scopes: readonly string[]
  act?: ActClaim | undefined
  delegationId?: string | undefined
  notAfter?: Date | undefined
  claims?: Readonly<Record<string, JsonValue>> | undefined
}

/** Claims the IdP sets itself; no grant may supply them as extra claims. */
export const RESERVED_CLAIMS: ReadonlySet<string> = new Set([
  'iss', 'sub', 'aud', 'exp', 'nbf', 'iat', 'jti', 'scope', 'client_id', 'agent_id', 'organization_id',
  'credential_id', 'credential_generation', 'agent_key_id', 'act', 'may_act', 'delegation_id', 'ext_binding', 'cnf', 'typ',
])

function bindingClaims(binding: MintInput['binding']): Partial<AccessTokenClaims> {
  switch (binding.kind) {
    case 'credential':
      return { credential_id: binding.credential.credentialId, credential_generation: binding.credential.generation }
    case 'agentKey':
      return { agent_key_id: binding.key.kid }
    case 'extension':
      return { ext_binding: `${binding.owner}:${binding.id}` }
  }
}

/**
 * Builds and signs an access token. `exp` is the configured lifetime from now, or `notAfter` when
 * earlier.
 *
 * @example
 * const { token, claims, expiresIn } = await mintAccessToken(deps, { subject: agent, clientId, binding: { kind: 'credential', credential }, scopes })
 * @throws {IdpError} INVALID_GRANT when `notAfter` is already past; INTERNAL when extra claims name a reserved claim.
 */
export async function mintAccessToken(
  deps: Pick<Deps, 'opts' | 'keys' | 'clock'>,
  input: MintInput,
): Promise<{ token: string; claims: AccessTokenClaims; expiresIn: number }> {
  const extra = input.claims ?? {}
  const forged = Object.keys(extra).filter((k) => RESERVED_CLAIMS.has(k))
  if (forged.length > 0) throw new IdpError('INTERNAL', `A grant tried to set reserved claims: ${forged.join(', ')}`)
  const iat = Math.floor(deps.clock().getTime() / 1000)
  const ttlEnd = iat + deps.opts.tokens.accessTokenTtlSeconds
  const exp = input.notAfter === undefined ? ttlEnd : Math.min(ttlEnd, Math.floor(input.notAfter.getTime() / 1000))
  if (exp <= iat) throw new IdpError('INVALID_GRANT', 'The grant is expired')
  const claims: AccessTokenClaims = {
    ...extra,
    iss: deps.opts.issuer,
    sub: input.subject.agentId,
    aud: deps.opts.tokens.audience,
    client_id: input.clientId,
    scope: input.scopes.join(' '),
    agent_id: input.subject.agentId,
    organization_id: input.subject.organizationId,
    iat,
    exp,
    jti: newId(),
    ...bindingClaims(input.binding),
    ...(input.act === undefined ? {} : { act: input.act }),
    ...(input.delegationId === undefined ? {} : { delegation_id: input.delegationId }),
  }
  const token = await signJws(await deps.keys.current(), { typ: 'at+jwt' }, { ...claims })
  return { token, claims, expiresIn: exp - iat }
}
