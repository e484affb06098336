import { withAudit, type RecordAudit } from '../audit/with-audit.js'
import { loadAgentToChange } from '../authz/authority.js'
import { requireScope } from '../authz/scopes.js'
import type { Deps } from '../deps.js'
import { IdpError } from '../errors.js'
import type { RequestContext } from '../idp.js'
import { newId, sha256Hex } from '../internal/crypto.js'
import { validate } from '../internal/validate.js'
import type { Credential } from '../model.js'
import type { StorageTx } from '../ports/storage.js'
import { CreateCredentialBody, type CredentialWithSecretView } from '../schemas.js'
import { credentialView } from '../views.js'
import { newClientId, newClientSecret } from './client-secret.js'

/**
 * `POST /agents/{id}/credentials` (agents:write). The secret is returned here and never again.
 * @throws {IdpError} INSUFFICIENT_SCOPE when the caller lacks authority over the agent (SPEC §2).
 * @throws {IdpError} CONFLICT for a decommissioned agent; VALIDATION_ERROR for a past `expiresAt`.
 */
export async function generateCredential(
  deps: Deps,
  ctx: RequestContext,
  agentId: string,
  input: CreateCredentialBody,
): Promise<CredentialWithSecretView> {
  requireScope(ctx, 'agents:write')
  const body = validate(CreateCredentialBody, input)
  const expiresAt = body.expiresAt === undefined ? null : new Date(body.expiresAt)
  return withAudit(deps, async (tx, audit) => {
    const agent = await loadAgentToChange(deps, ctx, tx, agentId)
    if (agent.status === 'decommissioned') throw new IdpError('CONFLICT', 'The agent is decommissioned')
    if (expiresAt !== null && expiresAt <= deps.clock()) {
      throw new IdpError('VALIDATION_ERROR', 'expiresAt must be in the future', {
        errors: [{ field: '/expiresAt', message: 'must be in the future' }],
      })
    }
    const { credential, secret } = newCredential(deps, agent.organizationId, agentId, { expiresAt })
    await insertCredential(tx, audit, credential, ctx.auth.agentId, ctx.ip)
    return { ...credentialView(credential), clientSecret: secret }
  })
}

/** A new credential record and its secret (shown once). Used by generation and bootstrap. */
export function newCredential(
  deps: Deps,
  organizationId: string,
  agentId: string,
  options: { expiresAt: Date | null; clientId?: string | undefined; secret?: string | undefined },
): { credential: Credential; secret: string } {
  const generated = newClientSecret()
  const secret = options.secret ?? generated.secret
  const now = deps.clock()
  const credential: Credential = {
    credentialId: newId(),
    organizationId,
    agentId,
    clientId: options.clientId ?? newClientId(),
    secretHash: options.secret === undefined ? generated.hash : sha256Hex(secret),
    generation: 1,
    status: 'active',
    createdAt: now,
    updatedAt: now,
    expiresAt: options.expiresAt,
    revokedAt: null,
  }
  return { credential, secret }
}

/** Inserts a credential and its `credential.generated` event inside a transaction. */
export async function insertCredential(tx: StorageTx, audit: RecordAudit, credential: Credential, actor: string, ip?: string | null): Promise<void> {
  await tx.credentials.insert(credential)
  await audit({
    organizationId: credential.organizationId,
    action: 'credential.generated',
    actor,
    agentId: credential.agentId,
    ip,
    details: { credentialId: credential.credentialId, clientId: credential.clientId },
  })
}
