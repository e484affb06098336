/**
 * `POST /agents/{id}/keys` (agents:write): registers a public JWK, or generates a key pair and
 * returns its private JWK exactly once. The private key is never stored.
 *
 * @module
 */
import type { AddAgentKeyBody, AgentKeyWithPrivateView } from '../agent-identity-schemas.js'
import { AddAgentKeyBody as AddAgentKeyBodySchema } from '../agent-identity-schemas.js'
import { withAudit } from '../audit/with-audit.js'
import { assertAuthorityOver, loadAgentToChange } from '../authz/authority.js'
import { requireScope } from '../authz/scopes.js'
import { loadAgent } from '../authz/tenancy.js'
import type { Deps } from '../deps.js'
import { IdpError } from '../errors.js'
import type { RequestContext } from '../idp.js'
import type { Agent } from '../model.js'
import { validate } from '../internal/validate.js'
import { agentKeyView } from './agent-key-view.js'
import { generateAgentKeyPair, normalizePublicJwk } from './public-jwk.js'
import { storeAgentKey } from './store-agent-key.js'

function assertWritable(ctx: RequestContext, agent: Agent): void {
  assertAuthorityOver(ctx, agent)
  if (agent.status === 'decommissioned') throw new IdpError('CONFLICT', 'A decommissioned agent cannot get new keys')
}

/**
 * Adds a key to an agent of the caller's organization.
 *
 * @example
 * const { kid } = await idp.agentKeys.add(ctx, agentId, { publicJwk })
 * const { privateJwk } = await idp.agentKeys.add(ctx, agentId, {})   // generated, shown once
 * @throws {IdpError} INSUFFICIENT_SCOPE when the caller lacks authority over the agent (SPEC §2).
 * @throws {IdpError} NOT_FOUND (also for other organizations' agents); VALIDATION_ERROR for an
 *   unacceptable JWK; CONFLICT for a decommissioned agent, a kid already used or too many keys.
 */
export async function addAgentKey(
  deps: Deps,
  ctx: RequestContext,
  agentId: string,
  input: AddAgentKeyBody,
): Promise<AgentKeyWithPrivateView> {
  requireScope(ctx, 'agents:write')
  const body = validate(AddAgentKeyBodySchema, input)
  // Refuse early, before a key pair is generated; the decisive check runs again under the row lock.
  assertWritable(ctx, await loadAgent(deps, ctx, agentId))
  if (body.publicJwk !== undefined && body.alg !== undefined) {
    throw new IdpError('VALIDATION_ERROR', 'alg applies to generated keys only; put it in publicJwk', {
      errors: [{ field: '/alg', message: 'not allowed together with publicJwk' }],
    })
  }
  let privateJwk: Record<string, string> | undefined
  let jwk
  if (body.publicJwk !== undefined) {
    jwk = await normalizePublicJwk(body.publicJwk)
  } else {
    const pair = await generateAgentKeyPair(body.alg ?? 'ES256')
    jwk = pair.publicJwk
    privateJwk = pair.privateJwk
  }
  const publicJwk = jwk
  // The key is prepared outside the transaction (generation can be slow for RSA), so the agent's
  // row stays locked only for the check and the insert.
  const key = await withAudit(deps, async (tx, audit) => {
    const agent = await loadAgentToChange(deps, ctx, tx, agentId)
    assertWritable(ctx, agent)
    return storeAgentKey(tx, audit, {
      agent,
      jwk: publicJwk,
      generated: privateJwk !== undefined,
      actor: ctx.auth.agentId,
      ip: ctx.ip,
      now: deps.clock(),
    })
  })
  return privateJwk === undefined ? agentKeyView(key) : { ...agentKeyView(key), privateJwk }
}
