/**
 * First-start bootstrap (ARCHITECTURE decision 8): on storage without a platform organization,
 * creates it, a platform administrator agent holding every scope, and that agent's credential.
 *
 * @module
 */
import { withAudit } from './audit/with-audit.js'
import { PLATFORM_SLUG } from './authz/tenancy.js'
import { insertCredential, newCredential } from './credentials/generate-credential.js'
import type { Deps } from './deps.js'
import { IdpError, isIdpError } from './errors.js'
import type { BootstrapResult } from './context.js'
import { newId } from './internal/crypto.js'
import type { Agent, Organization } from './model.js'

export async function bootstrap(
  deps: Deps,
  input: { clientId?: string | undefined; clientSecret?: string | undefined } = {},
): Promise<BootstrapResult> {
  if (input.clientSecret !== undefined && input.clientSecret.length < 32) {
    throw new IdpError('CONFIG_INVALID', 'The bootstrap client secret must be at least 32 characters')
  }
  const existing = await deps.storage.organizations.findBySlug(PLATFORM_SLUG)
  if (existing !== null) return describeExisting(deps, existing.organizationId)
  const now = deps.clock()
  const org: Organization = {
    organizationId: newId(),
    name: 'Platform',
    slug: PLATFORM_SLUG,
    planTier: 'enterprise',
    maxAgents: null,
    status: 'active',
    createdAt: now,
    updatedAt: now,
  }
  const agent: Agent = {
    agentId: newId(),
    organizationId: org.organizationId,
    name: 'platform-admin',
    email: null,
    agentType: 'custom',
    version: '1.0.0',
    capabilities: ['platform:admin'],
    owner: 'bootstrap',
    deploymentEnv: 'production',
    description: 'Platform administrator created at first start',
    // Every scope this IdP knows: core's and its extensions'.
    scopes: [...deps.registry.scopes],
    isPublic: false,
    status: 'active',
    createdAt: now,
    updatedAt: now,
  }
  const { credential, secret } = newCredential(deps, org.organizationId, agent.agentId, {
    expiresAt: null,
    clientId: input.clientId,
    secret: input.clientSecret,
  })
  // One transaction: a crash can never leave a platform organization without its admin credential.
  try {
    await withAudit(deps, async (tx, audit) => {
    await tx.organizations.insert(org)
    await tx.agents.insert(agent)
    const base = { organizationId: org.organizationId, actor: 'system' }
    await audit({ ...base, action: 'org.created', details: { slug: PLATFORM_SLUG, bootstrap: true } })
    await audit({ ...base, action: 'agent.created', agentId: agent.agentId, details: { name: agent.name, scopes: agent.scopes } })
    await insertCredential(tx, audit, credential, 'system')
    })
  } catch (err) {
    // Another process bootstrapped first: its platform organization wins.
    const winner = await deps.storage.organizations.findBySlug(PLATFORM_SLUG)
    if (isIdpError(err, 'CONFLICT') && winner !== null) return describeExisting(deps, winner.organizationId)
    throw err
  }
  return {
    created: true,
    organizationId: org.organizationId,
    agentId: agent.agentId,
    clientId: credential.clientId,
    ...(input.clientSecret === undefined ? { clientSecret: secret } : {}),
  }
}

async function describeExisting(deps: Deps, organizationId: string): Promise<BootstrapResult> {
  const admins = await deps.storage.agents.list(organizationId, {}, { limit: 1 })
  const admin = admins.items[0]
  if (admin !== undefined) await grantNewScopes(deps, admin)
  const cred = admin === undefined ? undefined : (await deps.storage.credentials.listByAgent(organizationId, admin.agentId))[0]
  return { created: false, organizationId, agentId: admin?.agentId ?? '', clientId: cred?.clientId ?? '' }
}

/**
 * The bootstrap administrator holds every scope the IdP knows. When a plugin that adds scopes is
 * enabled on an existing installation, its scopes are added to that administrator (audited as
 * `agent.updated` by `system`), so that they can be granted at all — nobody else could grant them.
 */
async function grantNewScopes(deps: Deps, admin: Agent): Promise<void> {
  if (admin.status !== 'active' || !admin.scopes.includes('admin:orgs')) return
  const added = deps.registry.scopes.filter((s) => !admin.scopes.includes(s))
  if (added.length === 0) return
  await withAudit(deps, async (tx, audit) => {
    const current = await tx.agents.find(admin.organizationId, admin.agentId)
    if (current === null) return
    const missing = deps.registry.scopes.filter((s) => !current.scopes.includes(s))
    if (missing.length === 0) return
    await tx.agents.update(admin.organizationId, admin.agentId, { scopes: [...current.scopes, ...missing], updatedAt: deps.clock() })
    await audit({
      organizationId: admin.organizationId,
      action: 'agent.updated',
      actor: 'system',
      agentId: admin.agentId,
      details: { changes: { addedScopes: missing, reason: 'bootstrap administrator holds every scope of the installed plugins' } },
    })
  })
}
