import { withAudit } from '../audit/with-audit.js'
import { loadAgentToChange } from '../authz/authority.js'
import { requireScope } from '../authz/scopes.js'
import { loadAgent } from '../authz/tenancy.js'
import type { Deps } from '../deps.js'
import { IdpError } from '../errors.js'
import type { RequestContext } from '../idp.js'
import type { Credential } from '../model.js'
import type { StorageTx } from '../ports/storage.js'
import type { CredentialView, CredentialWithSecretView } from '../schemas.js'
import { credentialView } from '../views.js'
import { newClientSecret } from './client-secret.js'

const credentialNotFound = () => new IdpError('NOT_FOUND', 'Credential not found')

async function loadCredential(tx: StorageTx, orgId: string, agentId: string, credentialId: string): Promise<Credential> {
  const c = await tx.credentials.find(orgId, credentialId)
  if (c === null || c.agentId !== agentId) throw credentialNotFound()
  return c
}

/** `GET /agents/{id}/credentials` (agents:read): never includes secrets. */
export async function listCredentials(deps: Deps, ctx: RequestContext, agentId: string): Promise<{ items: CredentialView[] }> {
  requireScope(ctx, 'agents:read')
  const agent = await loadAgent(deps, ctx, agentId)
  return { items: (await deps.storage.credentials.listByAgent(agent.organizationId, agentId)).map(credentialView) }
}

/**
 * `POST /agents/{id}/credentials/{cid}/rotate` (agents:write): a new secret replaces the old one,
 * and the generation bump rejects every token issued under the old secret.
 * @throws {IdpError} INSUFFICIENT_SCOPE when the caller lacks authority over the agent (SPEC §2).
 * @throws {IdpError} CONFLICT for a revoked credential.
 */
export async function rotateCredential(
  deps: Deps,
  ctx: RequestContext,
  agentId: string,
  credentialId: string,
): Promise<CredentialWithSecretView> {
  requireScope(ctx, 'agents:write')
  const { secret, hash } = newClientSecret()
  const updated = await withAudit(deps, async (tx, audit) => {
    const agent = await loadAgentToChange(deps, ctx, tx, agentId)
    if (agent.status === 'decommissioned') throw new IdpError('CONFLICT', 'The agent is decommissioned')
    const orgId = agent.organizationId
    const c = await loadCredential(tx, orgId, agentId, credentialId)
    if (c.status !== 'active') throw new IdpError('CONFLICT', 'A revoked credential cannot be rotated')
    const row = await tx.credentials.update(orgId, credentialId, {
      secretHash: hash,
      generation: c.generation + 1,
      updatedAt: deps.clock(),
    })
    if (row === null) throw credentialNotFound()
    await audit({
      organizationId: orgId,
      action: 'credential.rotated',
      actor: ctx.auth.agentId,
      agentId,
      ip: ctx.ip,
      details: { credentialId, clientId: c.clientId, generation: row.generation },
    })
    return row
  })
  return { ...credentialView(updated), clientSecret: secret }
}

/**
 * `DELETE /agents/{id}/credentials/{cid}` (agents:write): revokes; revoking twice is a no-op.
 * @throws {IdpError} INSUFFICIENT_SCOPE when the caller lacks authority over the agent (SPEC §2).
 */
export async function revokeCredential(deps: Deps, ctx: RequestContext, agentId: string, credentialId: string): Promise<void> {
  requireScope(ctx, 'agents:write')
  await withAudit(deps, async (tx, audit) => {
    const agent = await loadAgentToChange(deps, ctx, tx, agentId)
    const orgId = agent.organizationId
    const c = await loadCredential(tx, orgId, agentId, credentialId)
    if (c.status === 'revoked') return
    const now = deps.clock()
    await tx.credentials.update(orgId, credentialId, { status: 'revoked', revokedAt: now, updatedAt: now })
    await audit({
      organizationId: orgId,
      action: 'credential.revoked',
      actor: ctx.auth.agentId,
      agentId,
      ip: ctx.ip,
      details: { credentialId, clientId: c.clientId },
    })
  })
}
