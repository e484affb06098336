/**
 * `POST /oauth2/token/verify-delegation` (SPEC §8): tells an authenticated agent of the same
 * organization whether a delegation token is live. Expired, revoked, inactive, foreign or malformed
 * tokens answer `{ valid: false }` — never an error — so a verifier cannot tell a foreign chain from
 * garbage.
 *
 * @module
 */
import type { Deps } from '../deps.js'
import type { RequestContext } from '../context.js'
import { validate } from '../internal/validate.js'
import { VerifyDelegationBody, type DelegationVerificationView } from './delegation-schemas.js'
import { readDelegationToken } from '../tokens/delegation-token.js'
import { recallDelegationStatus } from './delegation-chain.js'

/**
 * Verifies a delegation token against the stored chain.
 *
 * @example
 * const { valid, scopes } = await idp.delegation.verify(ctx, { delegationToken })
 * @throws {IdpError} VALIDATION_ERROR only when the body itself is malformed.
 */
export async function verifyDelegation(
  deps: Deps,
  ctx: RequestContext,
  input: VerifyDelegationBody,
): Promise<DelegationVerificationView> {
  const body = validate(VerifyDelegationBody, input)
  const claims = await readDelegationToken(deps, body.delegationToken)
  if (claims === null || claims.organization_id !== ctx.auth.organizationId) return { valid: false, reason: 'invalid' }
  const { state, lineage } = await recallDelegationStatus(deps, ctx.auth.organizationId, claims.jti)
  const link = lineage.at(-1)
  if (state === 'missing' || link === undefined) return { valid: false, reason: 'invalid' }
  return {
    valid: state === 'live',
    ...(state === 'live' ? {} : { reason: state }),
    chainId: link.chainId,
    delegatorAgentId: link.delegatorAgentId,
    delegateeAgentId: link.delegateeAgentId,
    scopes: link.scopes,
    maxDepth: link.maxDepth,
    depth: link.depth,
    parentChainId: link.parentChainId,
    issuedAt: link.issuedAt.toISOString(),
    expiresAt: link.expiresAt.toISOString(),
    revokedAt: link.revokedAt?.toISOString() ?? null,
  }
}
